export { createLogger, formatTextLine } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { traceContextFrom, formatTraceparent, newSpanId } from './trace-context.js';
export type { TraceContext } from './trace-context.js';

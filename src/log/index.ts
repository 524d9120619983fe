export { createLogger, formatTextLine, addLogSink } from './logger.js';
export type { Logger, LoggerOptions, LogSink } from './logger.js';
export { traceContextFrom, formatTraceparent, newSpanId } from './trace-context.js';
export type { TraceContext } from './trace-context.js';
export { otelLogSettingsFrom, startOtelLogExport } from './otel.js';
export type { OtelLogSettings, OtelLogExport, OtelSettingsResult } from './otel.js';

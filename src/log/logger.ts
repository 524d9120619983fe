/**
 * Structured logs through pino. `json` writes pino's own lines; `text` formats each record for people as
 * `time LEVEL message key=value …`. Only one line per request is written on the hot path (the access log),
 * so re-reading pino's JSON in the text formatter costs nothing that matters.
 */
import { Writable } from 'node:stream';
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogFormat, LogLevel } from '../config/index.js';

export type { Logger } from 'pino';

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMITTED_IN_TEXT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function formatTextValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Turns one pino JSON line into a text line. Exported for tests. */
export function formatTextLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString() : '';
  const level = LEVEL_NAMES[record['level'] as number] ?? String(record['level']);
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (!OMITTED_IN_TEXT.has(key) && value !== undefined) fields.push(`${key}=${formatTextValue(value)}`);
  }
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${time} ${level.padEnd(5)} ${message}${fields.length > 0 ? ' ' + fields.join(' ') : ''}\n`;
}

class TextDestination extends Writable {
  constructor(private readonly out: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }
  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let output = '';
    for (const line of text.split('\n')) if (line !== '') output += formatTextLine(line);
    this.out.write(output);
    callback();
  }
}

/**
 * Receives every line the logger writes, as pino's JSON (after redaction), besides the configured output.
 * Used by the OpenTelemetry export (log/otel.ts); attached with addLogSink.
 */
export type LogSink = (jsonLine: string) => void;

/** pino's destination: the real output, plus any sinks. With none attached a line costs one length check. */
class TeeDestination implements DestinationStream {
  readonly sinks: LogSink[] = [];
  constructor(private readonly target: DestinationStream) {}
  write(line: string): void {
    this.target.write(line);
    if (this.sinks.length !== 0) for (const sink of this.sinks) sink(line);
  }
}

/**
 * Sends every later line of `logger` (and of its children, which share its destination) to `sink` too.
 * Returns a function that detaches it, or null when the logger was not made by createLogger.
 */
export function addLogSink(logger: Logger, sink: LogSink): (() => void) | null {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (!(stream instanceof TeeDestination)) return null;
  stream.sinks.push(sink);
  return () => {
    const at = stream.sinks.indexOf(sink);
    if (at !== -1) stream.sinks.splice(at, 1);
  };
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go; stderr by default so stdout stays clean for commands like `config show`. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const destination = new TeeDestination(options.format === 'json' ? out : new TextDestination(out));
  return pino(
    {
      level: options.level,
      base: null,
      // Defence in depth: even if a caller passes headers, credentials never reach a log line.
      redact: {
        paths: [
          'headers.authorization',
          'headers["x-api-key"]',
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'access_token',
          'refresh_token',
          'api_key',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.epochTime,
    },
    destination,
  );
}

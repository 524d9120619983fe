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

/**
 * Characters that must never reach a log line raw: C0 and C1 controls (ESC starts terminal escape
 * sequences, CR and LF forge lines, 0x9B is a one-byte CSI), DEL, the Unicode line and paragraph
 * separators, and the bidirectional controls that reorder what a reader sees. Client text (a model name,
 * say) can carry any of them (issue 13, item 6).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_CHARS_ALL = new RegExp(UNSAFE_CHARS.source, 'g');

/** `text` with every unsafe character written as a visible `\uXXXX` escape. */
export function printable(text: string): string {
  if (!UNSAFE_CHARS.test(text)) return text;
  return text.replace(UNSAFE_CHARS_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formatTextValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"=]+$/.test(value) && !UNSAFE_CHARS.test(value) ? value : printable(JSON.stringify(value));
  if (value !== null && typeof value === 'object') return printable(JSON.stringify(value));
  return String(value);
}

/** pino's log formatter: top-level string fields made printable (JSON would escape only C0 controls). */
function printableFields(record: Record<string, unknown>): Record<string, unknown> {
  for (const key in record) {
    const value = record[key];
    if (typeof value === 'string' && UNSAFE_CHARS.test(value)) record[key] = printable(value);
  }
  return record;
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
      formatters: { log: printableFields },
    },
    destination,
  );
}

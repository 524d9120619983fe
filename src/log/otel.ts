/**
 * OpenTelemetry log export, configured by the standard OTEL_* variables. Off unless OTEL_LOGS_EXPORTER
 * names an exporter; then the SDK packages are loaded with import() at start-up, so a proxy that does not
 * export never loads them and its log lines cost one extra length check.
 *
 * Every line the logger writes (after redaction: the same fields as the json format, never bodies or
 * secrets) becomes one OTLP log record: `msg` is the body, pino's level the severity, `time` the timestamp,
 * `trace_id`/`span_id` the record's trace context, every other field an attribute.
 *
 * The settings are read from the `env` handed in (app deps), never from process.env here. The exporter
 * library itself still reads the OTEL_* variables it documents for options not given here (timeouts,
 * compression, batch sizes).
 */
// Type-only: erased at compile time, so the SDK is still loaded only by the import() calls below.
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Logger, LogSink } from './logger.js';
import { addLogSink } from './logger.js';

export type OtelLogExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/json' | 'http/protobuf';

export interface OtelLogSettings {
  readonly exporters: readonly OtelLogExporterName[];
  readonly protocol: OtlpProtocol;
  /** The full logs URL (…/v1/logs). */
  readonly url: string;
  /** Sent with every export request (often a collector's credential: never logged). */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export interface OtelSettingsResult {
  /** null: export is off. */
  readonly settings: OtelLogSettings | null;
  /** What was ignored and why, for a warning at start-up (never contains a header value). */
  readonly problems: readonly string[];
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
function parseKeyValueList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    let v = pair.slice(eq + 1).trim();
    try {
      v = decodeURIComponent(v);
    } catch {
      // Keep the raw value: a stray % is more likely meant literally than a reason to drop the entry.
    }
    if (key !== '') out[key] = v;
  }
  return out;
}

/** Reads the OpenTelemetry logs settings from the given environment. Pure; never throws. */
export function otelLogSettingsFrom(env: NodeJS.ProcessEnv): OtelSettingsResult {
  const problems: string[] = [];
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { settings: null, problems };
  const names = (value(env, 'OTEL_LOGS_EXPORTER') ?? 'none')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  const exporters: OtelLogExporterName[] = [];
  for (const name of names) {
    if (name === 'none') continue;
    if (name === 'otlp' || name === 'console') {
      if (!exporters.includes(name)) exporters.push(name);
    } else problems.push(`OTEL_LOGS_EXPORTER: "${name}" is not supported (otlp, console or none)`);
  }
  if (exporters.length === 0) return { settings: null, problems };

  let protocol: OtlpProtocol = 'http/protobuf';
  const protocolName =
    value(env, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocolName === 'http/json' || protocolName === 'http/protobuf') protocol = protocolName;
  else if (protocolName !== undefined && exporters.includes('otlp')) {
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocolName}" is not supported (http/protobuf or http/json); OTLP log export is off`,
    );
    exporters.splice(exporters.indexOf('otlp'), 1);
    if (exporters.length === 0) return { settings: null, problems };
  }

  // The signal-specific endpoint is used as it is; the general one gets the logs path appended.
  const logsEndpoint = value(env, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT');
  const url =
    logsEndpoint ??
    (value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_ENDPOINT).replace(/\/+$/, '') + '/v1/logs';
  if (exporters.includes('otlp') && !/^https?:\/\//i.test(url)) {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT: "${url}" is not an http(s) URL; OTLP log export is off`);
    exporters.splice(exporters.indexOf('otlp'), 1);
    if (exporters.length === 0) return { settings: null, problems };
  }

  const resourceAttributes = parseKeyValueList(value(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'claudine';
  return {
    settings: {
      exporters,
      protocol,
      url,
      headers: {
        ...parseKeyValueList(value(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
        ...parseKeyValueList(value(env, 'OTEL_EXPORTER_OTLP_LOGS_HEADERS')),
      },
      serviceName,
      resourceAttributes,
    },
    problems,
  };
}

export interface OtelLogExport {
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** pino's numeric levels → OpenTelemetry severity numbers and texts. */
const SEVERITY: Record<number, readonly [number, string]> = {
  10: [1, 'TRACE'],
  20: [5, 'DEBUG'],
  30: [9, 'INFO'],
  40: [13, 'WARN'],
  50: [17, 'ERROR'],
  60: [21, 'FATAL'],
};
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * Loads the SDK, starts exporting every later line of `logger`, and returns the handle to flush and stop
 * it. Rejects when the SDK packages cannot be loaded or the logger was not made by createLogger.
 */
export async function startOtelLogExport(
  settings: OtelLogSettings,
  logger: Logger,
  serviceVersion?: string,
): Promise<OtelLogExport> {
  const [api, sdk, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-logs'),
    import('@opentelemetry/resources'),
  ]);
  const processors: LogRecordProcessor[] = [];
  for (const name of settings.exporters) {
    if (name === 'console') {
      processors.push(new sdk.SimpleLogRecordProcessor({ exporter: new sdk.ConsoleLogRecordExporter() }));
      continue;
    }
    const options = { url: settings.url, headers: { ...settings.headers } };
    const exporter =
      settings.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter(options)
        : new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter(options);
    processors.push(new sdk.BatchLogRecordProcessor({ exporter }));
  }
  const resource = resources.defaultResource().merge(
    resources.resourceFromAttributes({
      ...settings.resourceAttributes,
      'service.name': settings.serviceName,
      ...(serviceVersion !== undefined ? { 'service.version': serviceVersion } : {}),
    }),
  );
  const provider = new sdk.LoggerProvider({ resource, processors });
  const otelLogger = provider.getLogger('claudine', serviceVersion);

  const sink: LogSink = (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, time, msg, trace_id: traceId, span_id: spanId, ...attributes } = record;
    const severity = typeof level === 'number' ? SEVERITY[level] : undefined;
    let context = api.ROOT_CONTEXT;
    if (
      typeof traceId === 'string' &&
      TRACE_ID.test(traceId) &&
      typeof spanId === 'string' &&
      SPAN_ID.test(spanId)
    ) {
      context = api.trace.setSpanContext(context, {
        traceId,
        spanId,
        traceFlags: api.TraceFlags.SAMPLED,
      });
    }
    otelLogger.emit({
      ...(typeof time === 'number' ? { timestamp: time } : {}),
      ...(severity !== undefined ? { severityNumber: severity[0], severityText: severity[1] } : {}),
      body: typeof msg === 'string' ? msg : '',
      attributes: attributes as Record<string, never>,
      context,
    });
  };
  const detach = addLogSink(logger, sink);
  if (detach === null) {
    await provider.shutdown();
    throw new Error('the logger does not support extra sinks (it was not made by createLogger)');
  }
  let stopped: Promise<void> | undefined;
  return {
    shutdown() {
      stopped ??= (async () => {
        detach();
        await provider.shutdown();
      })();
      return stopped;
    },
  };
}

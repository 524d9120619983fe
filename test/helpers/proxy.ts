/**
 * Starts the real proxy in-process on 127.0.0.1 port 0 against a fake upstream, with JSON logs captured.
 */
import { Writable } from 'node:stream';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import type { TokenSource } from '../../src/auth/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';

/** Obviously fake; the fake upstream never checks it beyond presence. */
export const FAKE_API_KEY = 'sk-ant-test-fake-key';

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  readonly app: App;
  readonly config: Config;
  /** Every log line written, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Every log line written, raw. */
  readonly rawLogs: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  readonly upstreamBaseUrl: string;
  /** Extra `--key value` config flags. */
  readonly flags?: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
  readonly tokens?: TokenSource;
  /** Seams for the cloud providers (AWS credentials, Google ADC clock/fetch). */
  readonly deps?: Pick<AppDeps, 'awsCredentials' | 'google' | 'upstreamTls'>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const env: NodeJS.ProcessEnv = options.env ?? { ANTHROPIC_API_KEY: FAKE_API_KEY };
  const flags = Object.entries({
    '--server--port': '0',
    '--upstream--base-url': options.upstreamBaseUrl,
    '--auth--storage': 'env',
    '--log-format': 'json',
    '--log-level': 'debug',
    // No background model-list fetches: tests count the upstream calls they cause. GET /v1/models still asks.
    '--models--refresh-interval': '0s',
    ...options.flags,
  }).map(([flag, value]) => ({ flag, value }));
  const { config } = loadConfig({ env, flags });
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const logger = createLogger({ level: config.log_level, format: config.log_format, destination });
  const app = createApp(config, {
    logger,
    env,
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...options.deps,
  });
  const { url, port } = await app.start();
  return { url, port, app, config, logs, rawLogs, close: () => app.shutdown() };
}

/** Waits until `predicate` holds, polling; fails the test with `what` after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * `claudine doctor`: one line per thing that must be right for `claudine start` to serve, each with a
 * verdict — ok, warn, FAIL or skip — and, when not ok, what to do. Never prints a secret.
 */
import { createServer } from 'node:net';
import { createTokenSource, probeKeyring, type KeyringFactory } from '../auth/index.js';
import { keyToEnv, type LoadedConfig } from '../config/index.js';

export type Verdict = 'ok' | 'warn' | 'FAIL' | 'skip';

export interface Check {
  readonly name: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface DoctorDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly keyring?: KeyringFactory | undefined;
  /** How long the upstream has to answer; 10 s by default. */
  readonly timeoutMs?: number;
}

/** Clock skew that starts to matter (OAuth expiry, request signing) and skew that breaks things. */
const SKEW_WARN_MS = 30_000;
const SKEW_FAIL_MS = 5 * 60_000;

export async function runDoctor(loaded: LoadedConfig, deps: DoctorDeps): Promise<Check[]> {
  const { config } = loaded;
  const checks: Check[] = [];
  const add = (name: string, verdict: Verdict, detail: string): void =>
    void checks.push({ name, verdict, detail });

  add('config', 'ok', describeSources(loaded));

  const demo = config.upstream.demo;
  add(
    'upstream',
    'ok',
    demo ? 'demo: the built-in simulated Claude (no key needed)' : config.upstream.base_url,
  );

  const keyringProblem = await probeKeyring(config, deps.keyring);
  const usesKeyring = config.auth.storage === 'keyring' && !demo;
  if (keyringProblem === null) {
    add(
      'keyring',
      'ok',
      `usable (service "${config.auth.keyring_service}")${usesKeyring ? '' : '; not used'}`,
    );
  } else if (usesKeyring) {
    add(
      'keyring',
      'FAIL',
      `cannot be used here (${keyringProblem}); use the file store: claudine auth login --auth--storage file`,
    );
  } else {
    add(
      'keyring',
      'skip',
      `not usable here (${keyringProblem}), and not needed: auth.storage = "${config.auth.storage}"`,
    );
  }

  let date: string | null = null;
  if (demo) {
    add('credential', 'skip', 'not needed in demo mode');
    add('accepted', 'skip', 'demo mode: nothing is sent to Claude');
  } else {
    const tokens = createTokenSource(config, { env: deps.env });
    try {
      await tokens.loaded?.();
      const readiness = tokens.readiness();
      if (!readiness.ready) {
        add('credential', 'FAIL', readiness.reason ?? 'no credential');
        add('accepted', 'skip', 'no credential to try');
      } else {
        add(
          'credential',
          readiness.reason !== undefined ? 'warn' : 'ok',
          readiness.reason ?? `loaded from ${readiness.source ?? 'the configuration'}`,
        );
        const tried = await tryUpstream(
          config.upstream.base_url,
          await tokens.current(),
          deps.timeoutMs ?? 10_000,
        );
        add('accepted', tried.verdict, tried.detail);
        date = tried.date;
      }
    } catch (error) {
      add('credential', 'FAIL', error instanceof Error ? error.message : String(error));
      add('accepted', 'skip', 'no credential to try');
    } finally {
      tokens.close();
    }
  }

  add('port', ...(await portCheck(config.server.host, config.server.port)));

  if (date === null) add('clock', 'skip', 'no answer from the upstream to compare with');
  else {
    const skew = Date.now() - Date.parse(date);
    const seconds = Math.round(Math.abs(skew) / 1000);
    const said = `${seconds}s ${skew >= 0 ? 'ahead of' : 'behind'} the upstream's clock`;
    if (!Number.isFinite(skew)) add('clock', 'skip', `the upstream sent an unreadable date (${date})`);
    else if (Math.abs(skew) >= SKEW_FAIL_MS)
      add('clock', 'FAIL', `${said}: tokens will look expired or not yet valid; fix the system clock (NTP)`);
    else if (Math.abs(skew) >= SKEW_WARN_MS) add('clock', 'warn', `${said}; consider enabling NTP`);
    else add('clock', 'ok', `within ${Math.max(seconds, 1)}s of the upstream's clock`);
  }
  return checks;
}

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.verdict.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`);
  const failed = checks.filter((c) => c.verdict === 'FAIL').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return lines.join('\n') + '\n';
}

function describeSources(loaded: LoadedConfig): string {
  const env = new Set<string>();
  const flags = new Set<string>();
  for (const [key, source] of loaded.sources) {
    if (source.kind === 'env') env.add(keyToEnv(key));
    if (source.kind === 'flag') flags.add(source.name);
  }
  const parts = [loaded.file !== null ? `file ${loaded.file}` : 'no config file'];
  parts.push(env.size > 0 ? `environment ${[...env].join(', ')}` : 'no CLAUDINE_* variables');
  if (flags.size > 0) parts.push(`flags ${[...flags].join(' ')}`);
  return parts.join('; ');
}

interface Tried {
  readonly verdict: Verdict;
  readonly detail: string;
  readonly date: string | null;
}

/** GET …/models with the credential: the cheapest call that proves the upstream accepts it. */
async function tryUpstream(
  baseUrl: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<Tried> {
  const secrets = Object.values(headers);
  const scrub = (text: string): string =>
    secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('…')), text);
  try {
    const response = await fetch(`${baseUrl}/models?limit=1`, {
      headers: { ...headers, 'anthropic-version': '2023-06-01' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const date = response.headers.get('date');
    const body = await response.text().catch(() => '');
    if (response.ok)
      return { verdict: 'ok', detail: `accepted by the upstream (HTTP ${response.status})`, date };
    let message = '';
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string')
        message = `: ${scrub(parsed.error.message).slice(0, 200)}`;
    } catch {
      // Not JSON: the status says enough.
    }
    if (response.status === 401 || response.status === 403) {
      return {
        verdict: 'FAIL',
        detail: `rejected by the upstream (HTTP ${response.status}${message}); store a valid key with claudine auth login`,
        date,
      };
    }
    return { verdict: 'warn', detail: `the upstream answered HTTP ${response.status}${message}`, date };
  } catch (error) {
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { verdict: 'FAIL', detail: `cannot reach ${baseUrl}: ${scrub(reason)}`, date: null };
  }
}

function portCheck(host: string, port: number): Promise<[Verdict, string]> {
  if (port === 0) return Promise.resolve(['skip', 'server.port = 0: a free port is picked at start']);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      resolve([
        'FAIL',
        error.code === 'EADDRINUSE'
          ? `${where} is in use (is claudine already running?); pick another with --port`
          : `cannot listen on ${where}: ${error.code ?? error.message}`,
      ]);
    });
    server.listen(port, host, () => {
      server.close(() => resolve(['ok', `${host}:${port} is free`]));
    });
  });
}

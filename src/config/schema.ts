/**
 * Every setting the proxy reads, in one table: its key, how its value is parsed, its default and what it
 * means. The README's configuration table is written from this list; `claudine config show` prints it.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { homedir } from 'node:os';
import {
  parseBoolean,
  parseByteSize,
  parseDuration,
  parseEnum,
  parseHost,
  parseHttpUrl,
  parseInteger,
  parseOptionalHttpUrl,
  parsePath,
  parsePort,
  parseNonEmptyString,
  parseString,
  parseStringList,
  parseStringMap,
  type ParseResult,
} from './values.js';

export interface SettingSpec {
  /** Dotted key as written in config.toml (`server.port`). */
  readonly key: string;
  readonly parse: (raw: unknown) => ParseResult<unknown>;
  /** The default, already parsed; a function when it depends on the machine. */
  readonly defaultValue: unknown;
  /** How the default is shown to people (`config show`, README). */
  readonly defaultText: string;
  readonly description: string;
  /** Secrets are never printed: `config show` says only whether they are set. */
  readonly secret?: boolean;
}

/** The platform's per-user config directory (XDG on Linux, Application Support on macOS, AppData on Windows). */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'claudine');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'claudine');
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config'), 'claudine');
}

function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'default';
  }
}

/** USD per million tokens, as `ui.prices` gives them (see src/ui/prices.ts for the built-in table). */
export interface PriceOverride {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
}

/** `ui.prices`: model id = "INPUT,OUTPUT,CACHE_WRITE,CACHE_READ" (USD per million tokens). */
function parsePriceOverrides(raw: unknown): ParseResult<Record<string, PriceOverride>> {
  const map = parseStringMap(raw);
  if (!map.ok) return map;
  const out: Record<string, PriceOverride> = {};
  for (const [model, text] of Object.entries(map.value)) {
    const parts = text.split(',').map((p) => p.trim());
    const numbers = parts.map(Number);
    if (
      parts.length !== 4 ||
      parts.some((p) => p === '') ||
      !numbers.every((n) => Number.isFinite(n) && n >= 0)
    )
      return {
        ok: false,
        reason: `the price of ${JSON.stringify(model)} is not "INPUT,OUTPUT,CACHE_WRITE,CACHE_READ" (four non-negative USD per million tokens)`,
      };
    const [input, output, cacheWrite, cacheRead] = numbers as [number, number, number, number];
    out[model] = { input, output, cacheWrite, cacheRead };
  }
  return { ok: true, value: out };
}

const spec = (
  key: string,
  parse: (raw: unknown) => ParseResult<unknown>,
  defaultValue: unknown,
  description: string,
  extra: { secret?: boolean; defaultText?: string } = {},
): SettingSpec => ({
  key,
  parse,
  defaultValue,
  description,
  defaultText:
    extra.defaultText ??
    (Array.isArray(defaultValue)
      ? `[${defaultValue.join(', ')}]`
      : defaultValue === ''
        ? '""'
        : String(defaultValue)),
  ...(extra.secret === true ? { secret: true } : {}),
});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const LOG_FORMATS = ['text', 'json'] as const;
const AUTH_METHODS = ['static', 'oauth'] as const;
const AUTH_STORAGES = ['keyring', 'file', 'env'] as const;
const PROVIDERS = ['anthropic', 'bedrock', 'vertex'] as const;

/** An ordered list of provider names, each at most once. */
function parseProviderList(raw: unknown): ParseResult<UpstreamProvider[]> {
  const list = parseStringList(raw);
  if (!list.ok) return list;
  const out: UpstreamProvider[] = [];
  for (const name of list.value) {
    const provider = parseEnum(name, PROVIDERS);
    if (!provider.ok) return provider;
    if (!out.includes(provider.value)) out.push(provider.value);
  }
  return { ok: true, value: out };
}

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type AuthStorage = (typeof AUTH_STORAGES)[number];
export type UpstreamProvider = (typeof PROVIDERS)[number];

/** Milliseconds. */
export type Duration = number;

export function settingSpecs(env: NodeJS.ProcessEnv = process.env): readonly SettingSpec[] {
  const authFile = join(userConfigDir(env), 'auth.json');
  return [
    spec(
      'log_level',
      (r) => parseEnum(r, LOG_LEVELS),
      'info',
      'Lowest level logged: debug, info, warn or error.',
    ),
    spec(
      'log_format',
      (r) => parseEnum(r, LOG_FORMATS),
      'text',
      'Log line format: text for people, json for machines.',
    ),
    spec(
      'log_stages',
      parseBoolean,
      false,
      'Add stages_ms to every access-log line: ms since arrival at routed, body_read, translated, credential, connection_slot, upstream_headers, upstream_first_event and first_byte (docs/performance.md). For profiling; a few microseconds per request.',
    ),

    spec(
      'server.host',
      parseHost,
      '127.0.0.1',
      'Address to listen on (IPv4, IPv6 such as ::1, or a host name).',
    ),
    spec('server.port', parsePort, 4000, 'TCP port to listen on (0 picks a free one).'),
    spec(
      'server.max_body_size',
      parseByteSize,
      32 * 1024 * 1024,
      'Largest request body accepted (Messages, count_tokens, chat completions and every other route not listed below); larger ones get 413.',
      { defaultText: '32MiB' },
    ),
    spec(
      'server.max_batch_body_size',
      parseByteSize,
      256 * 1024 * 1024,
      'Largest body for creating a Message Batch (POST /v1/messages/batches), streamed to the upstream, never held whole.',
      { defaultText: '256MiB' },
    ),
    spec(
      'server.max_file_upload_size',
      parseByteSize,
      512 * 1024 * 1024,
      'Largest multipart body for a Files API upload (POST /v1/files), streamed to the upstream, never held whole.',
      { defaultText: '512MiB' },
    ),
    spec(
      'server.allowed_hosts',
      parseStringList,
      [],
      'Extra Host header names accepted besides loopback names.',
    ),
    spec('server.cors_origins', parseStringList, [], 'Browser origins allowed to call the proxy (CORS).'),
    spec(
      'server.api_keys',
      parseStringList,
      [],
      'Client keys; when set, every /v1 request must present one.',
      {
        secret: true,
      },
    ),
    spec(
      'server.allow_unauthenticated_remote',
      parseBoolean,
      false,
      'Allow listening on a non-loopback address without server.api_keys (anyone who can reach it uses your credential).',
    ),
    spec(
      'server.max_concurrent_requests',
      (r) => parseInteger(r, 1, 1_000_000),
      1024,
      'Requests served at once; more get 503 with retry-after.',
    ),
    spec('server.headers_timeout', parseDuration, 30_000, 'Time a client has to send its request headers.', {
      defaultText: '30s',
    }),
    spec(
      'server.request_timeout',
      parseDuration,
      300_000,
      'Time a client has to send its whole request body.',
      {
        defaultText: '5m',
      },
    ),

    spec(
      'server.client_stall_timeout',
      parseDuration,
      30_000,
      'Longest a client may leave its answer unread (its connection full) before it is cut off, so it cannot hold an upstream connection others need; 0 turns this off.',
      { defaultText: '30s' },
    ),

    spec(
      'shutdown.delay',
      parseDuration,
      0,
      'After a stop signal, time readiness reports 503 before the listener closes.',
      {
        defaultText: '0s',
      },
    ),
    spec(
      'shutdown.timeout',
      parseDuration,
      10_000,
      'Time in-flight requests and streams get to finish on shutdown.',
      {
        defaultText: '10s',
      },
    ),

    spec('upstream.base_url', parseHttpUrl, 'https://api.anthropic.com/v1', 'Anthropic API base URL (…/v1).'),
    spec(
      'upstream.demo',
      parseBoolean,
      false,
      "Demo mode: answer with claudine's built-in simulated Claude instead of a real upstream; no key needed, nothing leaves the machine (same as `claudine start --upstream demo`).",
    ),
    spec(
      'upstream.headers_timeout',
      parseDuration,
      600_000,
      'Time the upstream has to answer a request that is not a stream (its whole answer comes at once; the official SDKs wait 10 minutes too).',
      {
        defaultText: '10m',
      },
    ),
    spec(
      'upstream.first_byte_timeout',
      parseDuration,
      60_000,
      'Time the upstream has to send the response headers of a stream (it starts a stream at once, then keeps it alive with pings).',
      {
        defaultText: '60s',
      },
    ),
    spec(
      'upstream.idle_timeout',
      parseDuration,
      120_000,
      'Longest silence allowed inside an upstream answer; the upstream pings every 15-30 s while it thinks.',
      {
        defaultText: '2m',
      },
    ),
    spec(
      'upstream.max_retries',
      (r) => parseInteger(r, 0, 10),
      2,
      'Retries of a failed upstream call before any byte reached the client.',
    ),
    spec('upstream.retry_deadline', parseDuration, 30_000, 'Total time spent retrying one request.', {
      defaultText: '30s',
    }),
    spec(
      'upstream.defer_to_client_retries',
      parseBoolean,
      true,
      'When the client retries by itself (the official SDKs send x-stainless-retry-count), pass 429/5xx/529 answers back at once instead of retrying them too; connection failures are still retried.',
    ),
    spec(
      'upstream.connections',
      (r) => parseInteger(r, 1, 10_000),
      256,
      'Upstream connections, and so upstream requests in flight at once (each stream holds one).',
    ),
    spec(
      'upstream.queue_timeout',
      parseDuration,
      5_000,
      'Longest wait for a free upstream connection when all are busy; then 503 with retry-after.',
      {
        defaultText: '5s',
      },
    ),
    spec(
      'upstream.warm_connections',
      (r) => parseInteger(r, 0, 16),
      1,
      'Connections opened to each upstream (and fallback) when claudine starts, TLS handshake done and no request sent, and opened again when the pool has gone idle: the first request does not wait for a connection. 0 turns it off.',
    ),
    spec(
      'upstream.http2',
      parseBoolean,
      false,
      'Offer HTTP/2 to the upstream (TLS ALPN); HTTP/1.1 when the upstream does not take it. Off by default: see docs/performance.md.',
    ),

    spec(
      'upstream.provider',
      (r) => parseEnum(r, PROVIDERS),
      'anthropic',
      "Where requests go: anthropic (Anthropic's API), bedrock (AWS Bedrock) or vertex (Google Vertex AI).",
    ),
    spec(
      'upstream.fallbacks',
      parseProviderList,
      [],
      'Providers tried in order when the first answers 429, 529 or 5xx or cannot be reached, before any byte reached the client (env: bedrock,vertex).',
    ),
    spec(
      'upstream.models',
      parseStringMap,
      {},
      'Client model name → provider model id (TOML table; env: name=id,name2=id2; a bedrock:/vertex: prefix scopes a name to that provider). Built-in ids cover the current Claude models.',
      { defaultText: '{}' },
    ),
    spec(
      'upstream.bedrock.region',
      parseString,
      '',
      'AWS region for Bedrock; empty: AWS_REGION, then AWS_DEFAULT_REGION.',
    ),
    spec(
      'upstream.bedrock.endpoint',
      parseOptionalHttpUrl,
      '',
      'Bedrock runtime endpoint override (scheme + host [+ port] [+ base path]), e.g. a VPC endpoint.',
    ),
    spec(
      'upstream.vertex.project',
      parseString,
      '',
      'Google Cloud project for Vertex AI; empty: GOOGLE_CLOUD_PROJECT, then the credentials file.',
    ),
    spec(
      'upstream.vertex.region',
      parseString,
      'global',
      'Vertex AI location: global, a region (us-east5), or the us / eu multi-region.',
    ),
    spec(
      'upstream.vertex.endpoint',
      parseOptionalHttpUrl,
      '',
      'Vertex AI endpoint override (scheme + host [+ port] [+ base path]).',
    ),

    spec(
      'auth.method',
      (r) => parseEnum(r, AUTH_METHODS),
      'static',
      'static (an API key) or oauth (OAuth 2.0 login).',
    ),
    spec(
      'auth.storage',
      (r) => parseEnum(r, AUTH_STORAGES),
      'keyring',
      'Where the credential lives: keyring, file or env.',
    ),
    spec(
      'auth.env_key',
      parseString,
      'ANTHROPIC_API_KEY',
      'Environment variable read when auth.storage is env.',
    ),
    spec('auth.file', parsePath, authFile, 'Credential file used when auth.storage is file.', {
      defaultText: '<config dir>/claudine/auth.json',
    }),
    spec('auth.keyring_user', parseString, osUserName(), 'Keyring account name (in auth.keyring_service).', {
      defaultText: '<OS user name>',
    }),
    spec(
      'auth.keyring_service',
      parseNonEmptyString,
      'claudine',
      'Keyring service name the credential is stored under.',
    ),
    spec(
      'auth.refresh_skew',
      parseDuration,
      60_000,
      'Refresh OAuth access tokens this long before they expire.',
      {
        defaultText: '60s',
      },
    ),
    spec(
      'auth.oauth.issuer',
      parseOptionalHttpUrl,
      '',
      'OAuth issuer URL; endpoints are discovered from it.',
    ),
    spec(
      'auth.oauth.authorize_url',
      parseOptionalHttpUrl,
      '',
      'Authorization endpoint (instead of discovery).',
    ),
    spec('auth.oauth.token_url', parseOptionalHttpUrl, '', 'Token endpoint (instead of discovery).'),
    spec(
      'auth.oauth.revocation_url',
      parseOptionalHttpUrl,
      '',
      'Token revocation endpoint, called on logout.',
    ),
    spec('auth.oauth.client_id', parseString, '', 'OAuth client id registered for this proxy.'),
    spec('auth.oauth.client_secret', parseString, '', 'OAuth client secret, for confidential clients.', {
      secret: true,
    }),
    spec('auth.oauth.scopes', parseStringList, [], 'Scopes to request at login.'),
    spec(
      'auth.oauth.redirect_uri',
      parseString,
      'http://127.0.0.1:53682/callback',
      'Where the provider sends the browser after login; a loopback URL is caught by claudine itself.',
    ),
    spec(
      'auth.oauth.extra_authorize_params',
      parseStringMap,
      {},
      'Extra query parameters for the authorization URL.',
      {
        defaultText: '{}',
      },
    ),

    spec(
      'translation.prompt_caching',
      (r) => parseEnum(r, ['auto', 'off'] as const),
      'auto',
      "Chat completions and Responses: auto marks prompt-cache breakpoints (tools, system, last user turn) like OpenAI caches by itself; off sends only the client's own cache_control.",
    ),

    spec(
      'responses.store_max_entries',
      (r) => parseInteger(r, 0, 1_000_000),
      1000,
      'Responses API: responses kept for previous_response_id, item_reference and GET /v1/responses/{id} (every response whose request did not say store: false; in memory, least recently used go first); 0 keeps none.',
    ),
    spec(
      'responses.store_max_bytes',
      parseByteSize,
      64 * 1024 * 1024,
      'Responses API: memory the stored responses may use at most (their conversations, approximately).',
      { defaultText: '64MiB' },
    ),
    spec(
      'responses.store_ttl',
      parseDuration,
      3_600_000,
      'Responses API: how long a stored response stays retrievable.',
      { defaultText: '1h' },
    ),

    spec(
      'translation.thinking_display',
      (r) => parseEnum(r, ['summarized', 'omitted'] as const),
      'summarized',
      'Chat completions: when a model thinks, ask for summarized thinking (shown as reasoning_content) or omitted (signature only; the default of Opus 4.7 and later).',
    ),
    spec(
      'translation.thinking_cache_ttl',
      parseDuration,
      3_600_000,
      'How long signed thinking blocks are kept to restore them for apps that drop them from tool loops; 0 turns the cache off.',
      { defaultText: '1h' },
    ),
    spec(
      'models.refresh_interval',
      parseDuration,
      600_000,
      "How often the model registry re-reads the upstream's GET /v1/models in the background; 0 reads it only when a client lists models.",
      { defaultText: '10m' },
    ),

    spec('metrics.enabled', parseBoolean, true, 'Serve Prometheus metrics at GET /metrics.'),
    spec(
      'metrics.process_metrics',
      parseBoolean,
      true,
      'Include the process and Node.js runtime metrics (the process_ and nodejs_ series) in /metrics.',
    ),

    spec(
      'ui.enabled',
      parseBoolean,
      true,
      'Serve the status page at GET / and /ui, and its JSON at GET /ui/api/summary (figures only: no bodies, prompts or credentials).',
    ),
    spec(
      'ui.history',
      (r) => parseInteger(r, 10, 100_000),
      1000,
      'How many of the latest requests the status page keeps in memory (its live figures and request list come from them; per-model totals count every request since start).',
    ),
    spec(
      'ui.recent_requests',
      (r) => parseInteger(r, 1, 1000),
      50,
      'How many of the latest requests the status page lists.',
    ),
    spec(
      'ui.prices',
      parsePriceOverrides,
      {},
      'Price overrides for the estimated cost: model id = "INPUT,OUTPUT,CACHE_WRITE,CACHE_READ" in USD per million tokens (e.g. claude-sonnet-4-6 = "3,15,3.75,0.3"); the built-in table is src/ui/prices.ts.',
      { defaultText: 'built-in table' },
    ),
  ];
}

export interface Config {
  log_level: LogLevel;
  log_format: LogFormat;
  log_stages: boolean;
  server: {
    host: string;
    port: number;
    max_body_size: number;
    max_batch_body_size: number;
    max_file_upload_size: number;
    allowed_hosts: string[];
    cors_origins: string[];
    api_keys: string[];
    allow_unauthenticated_remote: boolean;
    max_concurrent_requests: number;
    headers_timeout: Duration;
    request_timeout: Duration;
    client_stall_timeout: Duration;
  };
  shutdown: { delay: Duration; timeout: Duration };
  upstream: {
    base_url: string;
    demo: boolean;
    headers_timeout: Duration;
    idle_timeout: Duration;
    first_byte_timeout: Duration;
    max_retries: number;
    retry_deadline: Duration;
    defer_to_client_retries: boolean;
    connections: number;
    queue_timeout: Duration;
    warm_connections: number;
    http2: boolean;
    provider: UpstreamProvider;
    fallbacks: UpstreamProvider[];
    models: Record<string, string>;
    bedrock: { region: string; endpoint: string };
    vertex: { project: string; region: string; endpoint: string };
  };
  auth: {
    method: AuthMethod;
    storage: AuthStorage;
    env_key: string;
    file: string;
    keyring_user: string;
    keyring_service: string;
    refresh_skew: Duration;
    oauth: {
      issuer: string;
      authorize_url: string;
      token_url: string;
      revocation_url: string;
      client_id: string;
      client_secret: string;
      scopes: string[];
      redirect_uri: string;
      extra_authorize_params: Record<string, string>;
    };
  };
  translation: {
    prompt_caching: 'auto' | 'off';
    thinking_display: 'summarized' | 'omitted';
    thinking_cache_ttl: Duration;
  };
  models: { refresh_interval: Duration };
  responses: { store_max_entries: number; store_max_bytes: number; store_ttl: number };
  metrics: { enabled: boolean; process_metrics: boolean };
  ui: { enabled: boolean; history: number; recent_requests: number; prices: Record<string, PriceOverride> };
}

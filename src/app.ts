/**
 * The composition root: builds the pieces from the configuration, wires them, and owns the lifecycle
 * (starting → serving → draining → stopped) that readiness reports.
 */
import type { AddressInfo } from 'node:net';
import { createTokenSource, type TokenSource } from './auth/index.js';
import type { Config } from './config/index.js';
import { readinessRoute, livenessRoute, type Readiness } from './http/routes/health.js';
import { anthropicApiRoute, anthropicRouteLabel, type AnthropicApi } from './http/routes/anthropic-api.js';
import { chatCompletionsRoute } from './http/routes/chat-completions.js';
import {
  deleteResponseRoute,
  getResponseRoute,
  responsesRoute,
  type StoredResponse,
} from './http/routes/responses.js';
import { modelsRoute } from './http/routes/models.js';
import { createGuard } from './http/guards.js';
import type { RequestContext } from './http/context.js';
import { createHttpServer, type HttpServer, type Route, type RouteTable } from './http/server.js';
import { otelLogSettingsFrom, startOtelLogExport, type Logger, type OtelLogExport } from './log/index.js';
import { createMetrics } from './metrics/index.js';
import { createModelRegistry, type ModelListSource } from './models/index.js';
import { createMemoryStore, createMemoryThinkingCache } from './state/index.js';
import { AuthError } from './errors.js';
import type { AwsCredentialProvider } from './auth/aws.js';
import type { GoogleAuthDeps } from './auth/google.js';
import {
  createUpstream,
  DEFAULT_ANTHROPIC_VERSION,
  ProviderConfigError,
  type ProviderName,
  type Upstream,
} from './upstream/index.js';
import { createStatusUi, PRICES } from './ui/index.js';
import { version } from './version.js';

/** The app cannot start for a reason the user must fix; the message says how. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** After the shutdown timeout, how long interrupted answers get to write their final error and end. */
const SHUTDOWN_GRACE_MS = 1_000;

/** Upper bound on one page of the upstream model list. */
const MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024;

export type Lifecycle = 'starting' | 'serving' | 'draining' | 'stopped';

export interface AppDeps {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /** For tests: a token source to use instead of the configured one. */
  readonly tokens?: TokenSource;
  /** For tests: AWS credentials instead of the AWS credential chain. */
  readonly awsCredentials?: AwsCredentialProvider;
  /** For tests: Google ADC seams (clock, fetch). */
  readonly google?: Partial<GoogleAuthDeps>;
  /** For tests: trust this CA for the upstream's certificate (a loopback TLS fake). */
  readonly upstreamTls?: { readonly ca: string };
}

/** Stands in for a provider whose settings are wrong: start() refuses to listen, and says why. */
function unusableUpstream(name: ProviderName, problem: string): Upstream {
  return {
    name,
    send: () => Promise.reject(new AuthError(problem, 503)),
    stats: () => ({ inUse: 0, queued: 0, capacity: 0 }),
    readiness: () => ({ ready: false, reason: problem }),
    interrupt: () => undefined,
    close: () => Promise.resolve(),
    destroy: () => undefined,
  };
}

export interface App {
  readonly state: Lifecycle;
  /** Listens; resolves with the bound address. */
  start(): Promise<{ host: string; port: number; url: string }>;
  /**
   * Graceful stop: readiness turns 503 at once, `shutdown.delay` passes, the listener closes, in-flight
   * requests get up to `shutdown.timeout` to finish, then what remains is closed.
   */
  shutdown(): Promise<void>;
  /** Immediate stop (second signal). */
  destroy(): void;
  readiness(): Readiness;
}

export function createApp(config: Config, deps: AppDeps): App {
  const { logger } = deps;
  // Off: no metric object exists and the server gets no hooks, so requests pay nothing for metrics.
  const metrics = config.metrics.enabled
    ? createMetrics({ processMetrics: config.metrics.process_metrics })
    : null;
  const otel = otelLogSettingsFrom(deps.env);
  let otelExport: OtelLogExport | null = null;
  // The Anthropic credential is built only when Anthropic is one of the upstreams.
  let anthropicTokens: TokenSource | null = null;
  const tokensFor = (): TokenSource =>
    (anthropicTokens ??=
      deps.tokens ?? createTokenSource(config, { env: deps.env, logger, onRefresh: metrics?.onRefresh }));
  let upstream: Upstream;
  let upstreamProblem: string | null = null;
  try {
    upstream = createUpstream(config, {
      logger,
      env: deps.env,
      anthropicTokens: tokensFor,
      awsCredentials: deps.awsCredentials,
      google: deps.google,
      upstreamTls: deps.upstreamTls,
      onRefresh: metrics?.onRefresh,
      onRetry: (reason, attempt, waitMs, request) =>
        logger.debug({ ...request.logFields, reason, attempt, wait_ms: waitMs }, 'retrying upstream request'),
      ...(metrics !== null ? { onQueueWait: metrics.onQueueWait } : {}),
    });
  } catch (err) {
    if (!(err instanceof ProviderConfigError)) throw err;
    upstreamProblem = err.message;
    upstream = unusableUpstream(config.upstream.provider, err.message);
  }
  metrics?.observeUpstream(() => upstream.stats());
  let state: Lifecycle = 'starting';

  // Every page of the upstream's model list (bounded: 10 pages of 1000).
  const modelList: ModelListSource = async (signal) => {
    const all: unknown[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response = await upstream.send({
        method: 'GET',
        path: `/models?limit=1000${after !== null ? `&after_id=${encodeURIComponent(after)}` : ''}`,
        headers: { 'anthropic-version': DEFAULT_ANTHROPIC_VERSION },
        signal,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`upstream answered ${response.statusCode}`);
      }
      // Bounded: a model list is a few KB; a broken upstream must not make the registry hold megabytes.
      let text = '';
      for await (const chunk of response.body) {
        text += chunk.toString('utf8');
        if (text.length > MAX_MODEL_LIST_BYTES) {
          throw new Error('the upstream model list is too large');
        }
      }
      const body = JSON.parse(text) as { data?: unknown; has_more?: unknown; last_id?: unknown };
      if (!Array.isArray(body.data)) throw new Error('the upstream model list is not a list');
      all.push(...(body.data as unknown[]));
      if (body.has_more !== true || typeof body.last_id !== 'string') break;
      after = body.last_id;
    }
    return all;
  };
  const models = createModelRegistry({
    source: modelList,
    refreshInterval: config.models.refresh_interval,
    onRefreshError: (err) =>
      logger.debug(
        { reason: err instanceof Error ? err.message : String(err) },
        'upstream model list unavailable; using the built-in model table',
      ),
  });
  const thinkingCache =
    config.translation.thinking_cache_ttl > 0
      ? createMemoryThinkingCache(config.translation.thinking_cache_ttl)
      : null;

  const readiness = (): Readiness => {
    if (state === 'starting') return { ready: false, reason: 'starting' };
    if (state === 'draining' || state === 'stopped') return { ready: false, reason: 'shutting down' };
    const pool = upstream.stats();
    const load = { in_use: pool.inUse, queued: pool.queued, capacity: pool.capacity };
    if (pool.inUse >= pool.capacity)
      return {
        ready: false,
        reason: `every upstream connection is busy (${pool.inUse} of ${pool.capacity}, ${pool.queued} waiting); new requests wait up to upstream.queue_timeout, then get 503`,
        upstream: load,
      };
    return { ...upstream.readiness(), upstream: load };
  };

  // Off: no window exists and the server gets no hook for it, as with metrics.
  const ui = config.ui.enabled
    ? createStatusUi(
        {
          version: version(),
          startedAt: Date.now(),
          upstream: {
            provider: config.upstream.provider,
            url:
              config.upstream.provider === 'anthropic' || config.upstream.demo
                ? config.upstream.base_url
                : null,
            fallbacks: config.upstream.fallbacks,
            demo: config.upstream.demo,
          },
          auth: config.upstream.demo
            ? { method: 'none (demo)', storage: 'none (demo)' }
            : config.upstream.provider !== 'anthropic'
              ? { method: `the ${config.upstream.provider} credential chain`, storage: 'the provider’s own' }
              : { method: config.auth.method, storage: config.auth.storage },
          readiness,
          credentialSource: () => upstream.readiness().source ?? null,
          prices: { ...PRICES, ...config.ui.prices },
          listLength: config.ui.recent_requests,
        },
        { capacity: config.ui.history },
      )
    : null;
  const requestStartHooks = [metrics?.onRequestStart, ui?.window.onRequestStart].filter(
    (hook) => hook !== undefined,
  );
  const requestEndHooks = [metrics?.onRequestEnd, ui?.window.onRequestEnd].filter(
    (hook) => hook !== undefined,
  );

  const openai = (methods: Route['methods']): Route => ({ dialect: 'openai', methods });
  const byClient = (methods: Route['methods']): Route => ({ dialect: 'client', methods });
  // Every Anthropic API path (Messages, count_tokens, Batches, Files, Models) through one handler that knows
  // which paths exist and how each body travels (http/routes/anthropic-api.ts).
  const anthropicApi = anthropicApiRoute({
    upstream,
    limits: {
      messages: config.server.max_body_size,
      batches: config.server.max_batch_body_size,
      files: config.server.max_file_upload_size,
    },
    // Bedrock and Vertex have the Messages API (and claudine lists their models); Batches and Files are
    // Anthropic's alone, so they get a clear 501 there.
    ...(config.upstream.provider !== 'anthropic'
      ? { supports: (api: AnthropicApi) => api === 'messages' || api === 'models' }
      : {}),
  });
  const anthropic: Route = {
    dialect: 'anthropic',
    methods: { GET: anthropicApi, POST: anthropicApi, DELETE: anthropicApi },
    label: (path) => anthropicRouteLabel(path) ?? 'unknown',
  };
  const modelsHandler = modelsRoute({ models, anthropicPassthrough: anthropicApi });
  const modelsRouteEntry: Route = {
    dialect: 'client',
    methods: { GET: modelsHandler },
    label: (path) => anthropicRouteLabel(path) ?? 'unknown',
  };
  const responseStore = createMemoryStore<StoredResponse>({
    maxEntries: config.responses.store_max_entries,
    maxBytes: config.responses.store_max_bytes,
    ttlMs: config.responses.store_ttl,
  });
  const responses = responsesRoute({
    upstream,
    maxBodySize: config.server.max_body_size,
    translate: {
      promptCaching: config.translation.prompt_caching,
      thinkingDisplay: config.translation.thinking_display,
      models,
      anthropicVersion: DEFAULT_ANTHROPIC_VERSION,
    },
    store: responseStore,
    logger,
  });
  const routes: RouteTable = {
    exact: new Map<string, Route>([
      ['/health/liveness', byClient({ GET: livenessRoute })],
      ['/health/readiness', byClient({ GET: readinessRoute(readiness) })],
      [
        '/v1/chat/completions',
        openai({
          POST: chatCompletionsRoute({
            upstream,
            maxBodySize: config.server.max_body_size,
            translate: {
              promptCaching: config.translation.prompt_caching,
              thinkingDisplay: config.translation.thinking_display,
            },
            models,
            thinking: thinkingCache,
            logger,
          }),
        }),
      ],
      ['/v1/responses', openai({ POST: responses })],
      ['/v1/models', modelsRouteEntry],
      ['/v1/messages', anthropic],
      ['/v1/files', anthropic],
      ...(metrics !== null ? [['/metrics', byClient({ GET: metrics.route })] as const] : []),
      ...(ui !== null
        ? ([
            ['/', byClient({ GET: ui.page })],
            ['/ui', byClient({ GET: ui.page })],
            ['/ui/api/summary', byClient({ GET: ui.summary })],
          ] as const)
        : []),
    ]),
    prefixes: [
      ['/v1/models/', modelsRouteEntry],
      ['/v1/messages/', anthropic],
      ['/v1/files/', anthropic],
      [
        '/v1/responses/',
        {
          dialect: 'openai',
          label: () => '/v1/responses/{id}',
          methods: {
            GET: getResponseRoute({ store: responseStore }),
            DELETE: deleteResponseRoute({ store: responseStore }),
          },
        },
      ],
    ],
  };

  const guard = createGuard({
    bindHost: config.server.host,
    allowedHosts: config.server.allowed_hosts,
    corsOrigins: config.server.cors_origins,
    apiKeys: config.server.api_keys,
  });
  const http: HttpServer = createHttpServer({
    routes,
    logger,
    guard,
    maxConcurrent: config.server.max_concurrent_requests,
    headersTimeout: config.server.headers_timeout,
    requestTimeout: config.server.request_timeout,
    clientStallTimeout: config.server.client_stall_timeout,
    stageTiming: config.log_stages,
    // One hook each when only metrics or only the page is on; both in turn when both are.
    ...(requestStartHooks.length === 1
      ? { onRequestStart: requestStartHooks[0] }
      : requestStartHooks.length === 2
        ? {
            onRequestStart: (ctx: RequestContext) => {
              for (const hook of requestStartHooks) hook(ctx);
            },
          }
        : {}),
    ...(requestEndHooks.length === 1
      ? { onRequestEnd: requestEndHooks[0] }
      : requestEndHooks.length === 2
        ? {
            onRequestEnd: (ctx: RequestContext, status: number) => {
              for (const hook of requestEndHooks) hook(ctx, status);
            },
          }
        : {}),
  });

  let forceClose: NodeJS.Timeout | undefined;

  return {
    get state() {
      return state;
    },
    readiness,
    async start() {
      if (upstreamProblem !== null) throw new StartupError(upstreamProblem);
      if (guard.exposedWithoutKeys && !config.server.allow_unauthenticated_remote) {
        throw new StartupError(
          `refusing to listen on ${config.server.host} without client keys: anyone who can reach it would use your ` +
            'Anthropic credential. Set server.api_keys, listen on 127.0.0.1, or set server.allow_unauthenticated_remote = true',
        );
      }
      await new Promise<void>((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(config.server.port, config.server.host, () => {
          http.server.off('error', reject);
          resolve();
        });
      });
      state = 'serving';
      for (const problem of otel.problems) logger.warn(problem);
      if (otel.settings !== null) {
        try {
          // Before the first line worth exporting; the SDK is loaded only here, only when asked for.
          otelExport = await startOtelLogExport(otel.settings, logger);
        } catch (err) {
          logger.warn(
            { reason: err instanceof Error ? err.message : String(err) },
            'OpenTelemetry log export is off: it could not start',
          );
        }
      }
      const address = http.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}`;
      // One line that tells the truth: said only once the credential has been read (or fetched, on a cloud).
      await anthropicTokens?.loaded?.();
      await upstream.loaded?.();
      const auth = upstream.readiness();
      const cloud = config.upstream.provider !== 'anthropic' && !config.upstream.demo;
      const startup = {
        url,
        upstream: config.upstream.demo
          ? `demo (simulated Claude at ${config.upstream.base_url})`
          : cloud
            ? config.upstream.provider
            : config.upstream.base_url,
        ...(config.upstream.fallbacks.length > 0 ? { fallbacks: config.upstream.fallbacks } : {}),
        ...(cloud
          ? {}
          : {
              auth_method: config.upstream.demo ? 'none (demo)' : config.auth.method,
              auth_storage: config.upstream.demo ? 'none (demo)' : config.auth.storage,
            }),
        credential: config.upstream.demo
          ? 'not needed (demo)'
          : auth.ready
            ? `loaded from ${auth.source ?? (cloud ? `the ${config.upstream.provider} credential chain` : 'the configuration')}`
            : cloud
              ? `none yet, /v1 requests get 401 or 503: ${auth.reason ?? 'no credential'}. See "Upstreams" in the README for what ${config.upstream.provider} picks up`
              : `none yet, /v1 requests get 401: ${auth.reason ?? 'no credential'}. Add a key with \`claudine auth login\`, ` +
                'or try claudine without one: `claudine start --upstream demo` (a simulated Claude)',
      };
      if (auth.ready) logger.info(startup, 'claudine is listening');
      else logger.warn(startup, 'claudine is listening');
      // After the listening line, not before: both load the HTTP client (~0.1 s) and touch the network.
      upstream.warm?.();
      models.start();
      return { host: address.address, port: address.port, url };
    },
    async shutdown() {
      if (state === 'draining' || state === 'stopped') return;
      state = 'draining';
      logger.info(
        { delay_ms: config.shutdown.delay, timeout_ms: config.shutdown.timeout, in_flight: http.inFlight() },
        'shutting down',
      );
      if (config.shutdown.delay > 0)
        await new Promise((resolve) => setTimeout(resolve, config.shutdown.delay));
      const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
      // Keep-alive connections with no request in flight would hold close() open; requests in flight keep theirs.
      http.server.closeIdleConnections();
      const timedOut = new Promise<'timeout'>((resolve) => {
        forceClose = setTimeout(() => resolve('timeout'), config.shutdown.timeout);
      });
      const outcome = await Promise.race([http.drained().then(() => 'drained' as const), timedOut]);
      clearTimeout(forceClose);
      if (outcome === 'timeout') {
        logger.warn(
          { in_flight: http.inFlight() },
          'shutdown timeout reached; ending the remaining answers with an error',
        );
        // Every answer still running ends with a "shutting down" error in its client's dialect (an error
        // event for streams, a 503 for answers not begun) instead of a connection reset; a moment for
        // those last writes, then whatever is left is closed.
        upstream.interrupt();
        const grace = new Promise<void>((resolve) => {
          forceClose = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        });
        await Promise.race([http.drained(), grace]);
        clearTimeout(forceClose);
      }
      http.server.closeAllConnections();
      await closed;
      models.stop();
      anthropicTokens?.close();
      await upstream.close().catch(() => undefined);
      state = 'stopped';
      logger.info('stopped');
      // Last, so the 'stopped' line is exported too.
      await otelExport?.shutdown().catch(() => undefined);
    },
    destroy() {
      state = 'stopped';
      models.stop();
      clearTimeout(forceClose);
      http.server.closeAllConnections();
      http.server.close();
      upstream.destroy();
      anthropicTokens?.close();
      void otelExport?.shutdown().catch(() => undefined);
    },
  };
}

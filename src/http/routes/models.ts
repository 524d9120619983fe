/**
 * GET /v1/models and /v1/models/{id}. With an `anthropic-version` header the request is an Anthropic
 * client's and passes through; otherwise the upstream list is served in OpenAI's format, cached for a
 * while, with a built-in list when the upstream cannot be asked.
 */
import { performance } from 'node:perf_hooks';
import { FALLBACK_MODELS, toOpenAIModelList } from '../../adapter/index.js';
import { ClientError } from '../../errors.js';
import { DEFAULT_ANTHROPIC_VERSION, type UpstreamClient } from '../../upstream/index.js';
import type { RouteHandler } from '../context.js';
import { sendJson } from '../respond.js';

type OpenAIModelList = ReturnType<typeof toOpenAIModelList>;

const CACHE_FOR_MS = 10 * 60_000;
/** After a failed fetch, serve the fallback for a short while instead of asking again on every request. */
const RETRY_AFTER_FAILURE_MS = 30_000;

export interface ModelsRouteOptions {
  readonly upstream: UpstreamClient;
  readonly anthropicPassthrough: RouteHandler;
}

function fallbackList(): OpenAIModelList {
  return {
    object: 'list',
    data: FALLBACK_MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'anthropic' })),
  };
}

export function modelsRoute(options: ModelsRouteOptions): RouteHandler {
  let cached: { list: OpenAIModelList; until: number } | null = null;
  let inFlight: Promise<OpenAIModelList> | null = null;

  const fetchList = async (): Promise<OpenAIModelList> => {
    try {
      const response = await options.upstream.send({
        method: 'GET',
        path: '/models?limit=1000',
        headers: { 'anthropic-version': DEFAULT_ANTHROPIC_VERSION },
        signal: AbortSignal.timeout(10_000),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`upstream answered ${response.statusCode}`);
      }
      const list = toOpenAIModelList(await response.body.json());
      if (list.data.length === 0) throw new Error('upstream model list is empty or not a list');
      cached = { list, until: performance.now() + CACHE_FOR_MS };
      return list;
    } catch {
      const list = fallbackList();
      cached = { list, until: performance.now() + RETRY_AFTER_FAILURE_MS };
      return list;
    }
  };

  const openAIList = (): Promise<OpenAIModelList> => {
    if (cached !== null && cached.until > performance.now()) return Promise.resolve(cached.list);
    inFlight ??= fetchList().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  return async (req, res, ctx) => {
    if (req.headers['anthropic-version'] !== undefined) return options.anthropicPassthrough(req, res, ctx);
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    if (!path.startsWith('/v1/models/')) return sendJson(res, ctx, 200, await openAIList());
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/v1/models/'.length));
    } catch {
      throw new ClientError(
        'the model id in the path has malformed percent-encoding',
        400,
        'invalid_request',
        'model',
      );
    }
    const list = await openAIList();
    const model = list.data.find((m) => m.id === id);
    if (model === undefined)
      throw new ClientError(`the model "${id}" does not exist`, 404, 'not_found', 'model', 'model_not_found');
    sendJson(res, ctx, 200, model);
  };
}

/**
 * GET /v1/models and /v1/models/{id}. With an `anthropic-version` header the request is an Anthropic
 * client's and passes through; otherwise the model registry's list (the upstream's, refreshed when older
 * than the registry's max age, or the built-in table when the upstream cannot be asked) in OpenAI's format.
 */
import { toOpenAIModelList } from '../../adapter/index.js';
import { ClientError } from '../../errors.js';
import type { ModelRegistry } from '../../models/index.js';
import type { RouteHandler } from '../context.js';
import { sendJson } from '../respond.js';

export interface ModelsRouteOptions {
  readonly models: ModelRegistry;
  readonly anthropicPassthrough: RouteHandler;
}

export function modelsRoute(options: ModelsRouteOptions): RouteHandler {
  const openAIList = async (): Promise<ReturnType<typeof toOpenAIModelList>> => {
    // A listing, not a chat request: it may wait for the registry to ask the upstream.
    await options.models.ensureFresh();
    return toOpenAIModelList({ data: options.models.entries().map((entry) => entry.raw) });
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

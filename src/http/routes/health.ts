import type { RouteHandler } from '../context.js';
import { sendJson } from '../respond.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
  /** How busy the upstream connections are: saturation shows here before clients see 503s. */
  readonly upstream?: { readonly in_use: number; readonly queued: number; readonly capacity: number };
}

/** 200 while the process runs: a liveness probe must not depend on the upstream or the credential. */
export const livenessRoute: RouteHandler = (_req, res, ctx) => {
  sendJson(res, ctx, 200, { status: 'ok' });
};

/**
 * 200 when requests can be served; 503 with the reason otherwise (starting, shutting down, no credential,
 * every upstream connection busy).
 */
export function readinessRoute(readiness: () => Readiness): RouteHandler {
  return (_req, res, ctx) => {
    const state = readiness();
    const upstream = state.upstream !== undefined ? { upstream: state.upstream } : {};
    if (state.ready) sendJson(res, ctx, 200, { status: 'ready', ...upstream });
    else sendJson(res, ctx, 503, { status: 'not_ready', reason: state.reason ?? 'not ready', ...upstream });
  };
}

/**
 * The door: every request passes these checks before it reaches a route.
 *
 * - Host: only the bind address, `localhost`, loopback addresses and `server.allowed_hosts` (DNS-rebinding
 *   defence: a page on evil.example that rebinds its name to 127.0.0.1 still sends `Host: evil.example`).
 * - Origin: a browser request from an origin not in `server.cors_origins` is refused, whatever its method or
 *   content type, so a page cannot use the proxy even with a "simple" text/plain POST; CORS preflights are
 *   answered only for allowed origins.
 * - Client keys: when `server.api_keys` is set, every /v1 request presents one (Bearer or x-api-key),
 *   compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { AuthError, ClientError } from '../errors.js';

export interface GuardOptions {
  readonly bindHost: string;
  readonly allowedHosts: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly apiKeys: readonly string[];
}

const EXPOSED_HEADERS =
  'x-request-id, request-id, retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens';

function isLoopback(host: string): boolean {
  return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/** `Host` without its port, brackets removed from IPv6 literals, lowercased. */
function hostName(header: string): string {
  const lowered = header.trim().toLowerCase();
  if (lowered.startsWith('[')) return lowered.slice(1, lowered.indexOf(']'));
  const colon = lowered.lastIndexOf(':');
  return colon === -1 ? lowered : lowered.slice(0, colon);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export interface Guard {
  /**
   * Checks a request. Returns true when the request was fully answered here (a CORS preflight);
   * throws ClientError/AuthError when it is refused; otherwise sets CORS headers if needed and returns false.
   */
  check(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Whether a non-loopback bind has client keys (the start-up check). */
  readonly exposedWithoutKeys: boolean;
}

export function createGuard(options: GuardOptions): Guard {
  const bind = options.bindHost.toLowerCase();
  const allowedHosts = new Set([...options.allowedHosts.map((h) => h.toLowerCase()), 'localhost', bind]);
  const bindsEverywhere = WILDCARDS.has(bind);
  const origins = new Set(options.corsOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  // Hashing first makes every comparison the same length, so timingSafeEqual applies and lengths leak nothing.
  const keyDigests = options.apiKeys.map(sha256);

  const hostAllowed = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const host = hostName(header);
    if (allowedHosts.has(host) || isLoopback(host)) return true;
    // Bound to every interface, any IP literal is fine: DNS rebinding needs a name, never a literal address.
    return bindsEverywhere && isIP(host) !== 0;
  };

  const presentedKeyMatches = (req: IncomingMessage): boolean => {
    const auth = req.headers['authorization'];
    const bearer =
      typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined;
    const xKey = req.headers['x-api-key'];
    const presented = bearer ?? (typeof xKey === 'string' ? xKey.trim() : undefined);
    if (presented === undefined || presented === '') return false;
    const digest = sha256(presented);
    let match = false;
    for (const key of keyDigests) match = timingSafeEqual(digest, key) || match;
    return match;
  };

  return {
    exposedWithoutKeys: !isLoopback(bind) && bind !== 'localhost' && keyDigests.length === 0,
    check(req, res, path) {
      if (!hostAllowed(req.headers.host)) {
        throw new ClientError(
          `Host "${req.headers.host ?? ''}" is not allowed; add it to server.allowed_hosts if it is yours`,
          403,
          'permission',
        );
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (!origins.has(origin.toLowerCase())) {
          throw new ClientError(
            `Origin "${origin}" is not allowed; add it to server.cors_origins to allow it`,
            403,
            'permission',
          );
        }
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('vary', 'Origin');
        if (req.method === 'OPTIONS') {
          res.writeHead(204, {
            'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
            'access-control-allow-headers':
              req.headers['access-control-request-headers'] ??
              'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-request-id',
            'access-control-max-age': '600',
          });
          res.end();
          return true;
        }
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      }
      // The status page's JSON shows usage: behind the same keys as the API (the page itself holds no data).
      if (
        keyDigests.length > 0 &&
        (path.startsWith('/v1/') || path.startsWith('/ui/api/')) &&
        !presentedKeyMatches(req)
      ) {
        throw new AuthError(
          'this claudine requires a client key: send it as "Authorization: Bearer KEY" or "x-api-key: KEY" (server.api_keys)',
        );
      }
      return false;
    },
  };
}

/**
 * RFC 8252 §7.3: the browser is redirected to a tiny HTTP server on a loopback address that claudine runs
 * only while `auth login` waits. Port 0 in auth.oauth.redirect_uri picks a free port (the authorization
 * server must then allow any loopback port, as RFC 8252 §7.3 asks of it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackParams {
  readonly code: string | null;
  readonly state: string | null;
  readonly iss: string | null;
  readonly error: string | null;
  readonly errorDescription: string | null;
}

export interface LoopbackReceiver {
  /** auth.oauth.redirect_uri with the port actually bound. */
  readonly redirectUri: string;
  /** The first callback whose state matches; rejects on timeout. */
  readonly result: Promise<CallbackParams>;
  close(): void;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The redirect URI when it points at this machine over plain HTTP, else null. */
export function loopbackRedirect(redirectUri: string): URL | null {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return null;
  }
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) ? url : null;
}

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;

export async function startLoopbackReceiver(
  redirect: URL,
  expectedState: string,
  timeoutMs: number,
): Promise<LoopbackReceiver> {
  let settle: { resolve: (p: CallbackParams) => void; reject: (e: Error) => void } | null = null;
  const result = new Promise<CallbackParams>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (req.method !== 'GET' || url.pathname !== redirect.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const q = url.searchParams;
    const params: CallbackParams = {
      code: q.get('code'),
      state: q.get('state'),
      iss: q.get('iss'),
      error: q.get('error'),
      errorDescription: q.get('error_description'),
    };
    // A callback with another state is not ours (CSRF, a stale tab): refuse it and keep waiting.
    if (params.state !== expectedState) {
      res
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          page(
            'Login not accepted',
            'This answer does not belong to the running <code>claudine auth login</code>.',
          ),
        );
      return;
    }
    const ok = params.error === null && params.code !== null;
    res
      .writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
      .end(
        ok
          ? page('Signed in', 'claudine has your login. You can close this tab.')
          : page(
              'Login failed',
              'The authorization server refused the login; see the terminal. You can close this tab.',
            ),
      );
    settle?.resolve(params);
  });
  const host = redirect.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(redirect.port === '' ? 80 : Number(redirect.port), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const actual = new URL(redirect.href);
  actual.port = String(port);
  const timer = setTimeout(() => {
    settle?.reject(new Error(`no login arrived at ${actual.href} within ${Math.round(timeoutMs / 1000)}s`));
  }, timeoutMs);
  const close = (): void => {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  return { redirectUri: actual.href, result, close };
}

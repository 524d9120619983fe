/**
 * An HTTPS front that speaks HTTP/2 and HTTP/1.1 (chosen by ALPN, as real API front ends do) for a plain
 * HTTP fake upstream (the simulator): each request is forwarded to the fake and its answer streamed back.
 * It records the protocol of every request and how many TLS connections it was sent over.
 */
import { request as httpRequest } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { makeTestCertificate } from './tls-cert.js';

const CONNECTION = 'claudineTestConnection';

export interface H2Front {
  readonly baseUrl: string;
  readonly ca: string;
  /** One entry per request: its HTTP version ('2.0' or '1.1') and the connection it came on (1-based). */
  readonly requests: { httpVersion: string; connection: number; path: string }[];
  /** TLS connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startH2Front(target: { host: string; port: number }, path = '/v1'): Promise<H2Front> {
  const { cert, key } = makeTestCertificate();
  let connections = 0;
  const requests: H2Front['requests'] = [];
  const server: Http2SecureServer = createSecureServer({ cert, key, allowHTTP1: true });
  // A property on the socket, not a WeakMap: an HTTP/2 request only sees its session's socket through a proxy.
  server.on('secureConnection', (socket: TLSSocket) => {
    (socket as TLSSocket & Record<typeof CONNECTION, number>)[CONNECTION] = ++connections;
  });
  server.on('request', (req, res) => {
    requests.push({
      httpVersion: req.httpVersion,
      connection: (req.socket as unknown as Record<typeof CONNECTION, number | undefined>)[CONNECTION] ?? 0,
      path: req.url,
    });
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith(':') || value === undefined) continue;
      if (name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
      headers[name] = value;
    }
    const forward = httpRequest(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        const back: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value === undefined) continue;
          if (name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
          back[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    baseUrl: `https://127.0.0.1:${port}${path}`,
    ca: cert,
    requests,
    connections: () => connections,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Open HTTP/2 sessions and keep-alive connections would hold close() open.
        setTimeout(resolve, 200).unref();
      });
    },
  };
}

/**
 * A TCP tap on loopback: forwards every connection to a target unchanged and keeps the bytes the client
 * sent, so a test can see exactly what a real client (a CLI it cannot instrument) put on the wire. The
 * recorded streams are parsed as HTTP/1.1 requests (Content-Length or chunked bodies).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TappedRequest {
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly target: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface HttpTap {
  readonly url: string;
  /** Every complete request sent through the tap so far, connection by connection. */
  requests(): TappedRequest[];
  close(): Promise<void>;
}

/** Parses back-to-back HTTP/1.1 requests from the bytes of one connection; an incomplete tail is ignored. */
export function parseRequests(data: Buffer): TappedRequest[] {
  const requests: TappedRequest[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd === -1) break;
    const lines = data.toString('latin1', at, headEnd).split('\r\n');
    const [method = '', target = ''] = (lines[0] ?? '').split(' ');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let cursor = headEnd + 4;
    let body: Buffer;
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', cursor);
        if (lineEnd === -1) return requests;
        const size = parseInt(data.toString('latin1', cursor, lineEnd), 16);
        cursor = lineEnd + 2;
        if (size === 0) {
          cursor += 2;
          break;
        }
        if (cursor + size > data.length) return requests;
        parts.push(data.subarray(cursor, cursor + size));
        cursor += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (cursor + length > data.length) return requests;
      body = data.subarray(cursor, cursor + length);
      cursor += length;
    }
    requests.push({ method, target, headers, body: Buffer.from(body) });
    at = cursor;
  }
  return requests;
}

export async function startHttpTap(target: { host: string; port: number }): Promise<HttpTap> {
  const recorded: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const chunks: Buffer[] = [];
    recorded.push(chunks);
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => recorded.flatMap((chunks) => parseRequests(Buffer.concat(chunks))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TLS front for a plain-HTTP fake upstream (the simulator): terminates TLS on 127.0.0.1 with a certificate
 * made at test time and relays each connection's bytes to the fake, one TCP connection per TLS connection.
 * It counts what a test about connections needs to see: TLS handshakes, and the bytes each connection
 * carried from the client (0 = opened but never used for a request).
 */
import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { makeTestCertificate } from './tls-cert.js';

export interface TlsConnectionRecord {
  /** When the handshake finished (Date.now()). */
  readonly at: number;
  /** Bytes received from the client so far. */
  bytesIn: number;
  /** When the first byte from the client arrived, if one did. */
  firstByteAt: number | null;
  closed: boolean;
}

export interface TlsRelay {
  /** `https://127.0.0.1:PORT` + the path given to `startTlsRelay` (e.g. `/v1`). */
  readonly baseUrl: string;
  readonly port: number;
  /** The CA to trust (the certificate itself). */
  readonly ca: string;
  /** One record per finished TLS handshake, in order. */
  readonly connections: TlsConnectionRecord[];
  /** Ends every open connection (as an upstream closing idle connections would). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTlsRelay(target: { host: string; port: number }, path = '/v1'): Promise<TlsRelay> {
  const { cert, key } = makeTestCertificate();
  const connections: TlsConnectionRecord[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert, key }, (client: TLSSocket) => {
    const record: TlsConnectionRecord = { at: Date.now(), bytesIn: 0, firstByteAt: null, closed: false };
    connections.push(record);
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      record.bytesIn += chunk.length;
      record.firstByteAt ??= Date.now();
    });
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      record.closed = true;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    baseUrl: `https://127.0.0.1:${port}${path}`,
    port,
    ca: cert,
    connections,
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

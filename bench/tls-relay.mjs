// A far-away TLS upstream on loopback, for the cold-path phase: a TCP relay that holds every byte for
// RTT/2 in each direction, and the client's first bytes one RTT more (the TCP handshake it would have
// waited for), so TCP's and TLS's handshakes and every request pay the round trip as over a real network;
// in front of a TLS terminator (certificate made at run time, TEST ONLY) that hands the
// plain HTTP to the benchmark's fake upstream.
//   client ──(+RTT/2 each way)── relay :PORT ── TLS :internal ── http fake upstream
// Usage: node bench/tls-relay.mjs UPSTREAM_ORIGIN RTT_MS CERT_FILE KEY_FILE
// Prints one JSON line `{"msg":"tls relay listening","url":"https://127.0.0.1:PORT"}` on stderr when ready.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

const [upstream, rttArg, certFile, keyFile] = process.argv.slice(2);
if (!upstream || !rttArg || !certFile || !keyFile)
  throw new Error('usage: tls-relay.mjs UPSTREAM_ORIGIN RTT_MS CERT_FILE KEY_FILE');
const half = Number(rttArg) / 2;
const target = new URL(upstream);

// The TLS terminator: HTTP/1.1 only (what the fake upstream behind it speaks).
const terminator = tls.createServer(
  { cert: readFileSync(certFile), key: readFileSync(keyFile), ALPNProtocols: ['http/1.1'] },
  (socket) => {
    socket.setNoDelay(true);
    const plain = net.connect(Number(target.port), target.hostname);
    plain.setNoDelay(true);
    socket.pipe(plain).pipe(socket);
    const close = () => {
      socket.destroy();
      plain.destroy();
    };
    socket.on('error', close).on('close', close);
    plain.on('error', close).on('close', close);
  },
);

/**
 * Forwards from `from` to `to`, each chunk `half` ms late, in order (one FIFO per direction, one timer at
 * a time), and never before `notBefore` + `half`. An end or close follows the data in the same queue.
 */
function delayed(from, to, notBefore = 0) {
  const queue = [];
  let timer = null;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0].at <= now) {
      const { chunk } = queue.shift();
      if (to.destroyed) continue;
      if (chunk === 'end') to.end();
      else if (chunk === 'destroy') to.destroy();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
  };
  const push = (chunk) => {
    queue.push({ at: Math.max(performance.now(), notBefore) + half, chunk });
    if (timer === null) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
  };
  from.on('data', push);
  from.on('end', () => push('end'));
  from.on('error', () => push('destroy'));
  from.on('close', () => push('destroy'));
}

const relay = net.createServer((client) => {
  client.setNoDelay(true);
  const inner = net.connect(terminator.address().port, '127.0.0.1');
  inner.setNoDelay(true);
  // On loopback the client's TCP handshake completes at once; over a network it takes one round trip, so
  // nothing the client sends can reach the server before RTT/2 + RTT (SYN, SYN-ACK, then the data).
  delayed(client, inner, performance.now() + 2 * half);
  delayed(inner, client);
});

terminator.listen(0, '127.0.0.1', () => {
  relay.listen(0, '127.0.0.1', () => {
    const { port } = relay.address();
    process.stderr.write(
      JSON.stringify({ msg: 'tls relay listening', url: `https://127.0.0.1:${port}`, rttMs: 2 * half }) +
        '\n',
    );
  });
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));

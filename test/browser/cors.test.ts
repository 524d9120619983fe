/**
 * The CORS/Origin guard against a real browser: headless Chromium opens pages on two loopback origins, one
 * in server.cors_origins and one not, and each page tries the proxy with a "simple" text/plain POST (no
 * preflight: the browser sends it and only hides the answer) and an application/json POST (preflighted).
 *
 * Needs Chromium (Debian's `chromium` package, which .ci/run installs). Without it the file skips locally
 * and fails under CI=true, so CI can never pass by silently not running it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium, type Browser } from '../helpers/chromium.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { eventually, startProxy, type RunningProxy } from '../helpers/proxy.js';

const chromium = findChromium();
const inCi = process.env['CI'] === 'true' || process.env['CI'] === '1';

if (chromium === null && !inCi) {
  console.warn(
    'test/browser: skipped, no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); under CI=true this fails instead',
  );
}

interface Attempt {
  /** Whether the page got a readable response at all (false: fetch rejected, as CORS makes it). */
  readonly read: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

interface PageOutcome {
  readonly origin: string;
  readonly plain: Attempt;
  readonly json: Attempt;
}

/** The page's script: both requests in turn, the outcome in a global promise, the DOM and the title. */
function pageHtml(proxyUrl: string): string {
  const script = `
    const proxy = ${JSON.stringify(proxyUrl)};
    async function attempt(contentType) {
      try {
        const response = await fetch(proxy + '/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: JSON.stringify({
            model: 'claude-sonnet-4-5',
            messages: [{ role: 'user', content: 'sent as ' + contentType + ' from ' + location.origin }],
          }),
        });
        return { read: true, status: response.status, body: await response.text() };
      } catch (err) {
        return { read: false, error: String(err) };
      }
    }
    window.outcome = (async () => {
      const plain = await attempt('text/plain');
      const json = await attempt('application/json');
      const outcome = { origin: location.origin, plain, json };
      document.getElementById('out').textContent = JSON.stringify(outcome);
      document.title = 'done: ' + (plain.read ? plain.status : 'blocked') + ' ' + (json.read ? json.status : 'blocked');
      return outcome;
    })();
  `;
  return `<!doctype html><html><head><meta charset="utf-8"><title>pending</title></head><body><pre id="out"></pre><script>${script}</script></body></html>`;
}

interface PageServer {
  readonly server: Server;
  readonly origin: string;
  proxyUrl: string;
}

async function startPageServer(): Promise<PageServer> {
  const state: { proxyUrl: string } = { proxyUrl: '' };
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(pageHtml(state.proxyUrl));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    get proxyUrl() {
      return state.proxyUrl;
    },
    set proxyUrl(url: string) {
      state.proxyUrl = url;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

describe.skipIf(chromium === null && !inCi)('a real browser against the CORS and Origin guards', () => {
  let upstream: Simulator;
  let proxy: RunningProxy;
  let allowed: PageServer;
  let disallowed: PageServer;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (chromium === null) {
      throw new Error(
        'CI=true but no Chromium was found: install Debian\'s "chromium" package (or set CHROMIUM_PATH); the browser test must not be skipped in CI',
      );
    }
    [upstream, allowed, disallowed] = await Promise.all([
      startSimulator(),
      startPageServer(),
      startPageServer(),
    ]);
    proxy = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--cors-origins': allowed.origin },
    });
    allowed.proxyUrl = proxy.url;
    disallowed.proxyUrl = proxy.url;
    browser = await launchChromium(chromium);
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([
      proxy?.close(),
      upstream?.close(),
      allowed && closeServer(allowed.server),
      disallowed && closeServer(disallowed.server),
    ]);
  });

  async function visit(origin: string): Promise<PageOutcome> {
    const page = await browser!.open(`${origin}/`);
    try {
      const outcome = await page.evaluate<PageOutcome>('window.outcome');
      const title = await page.evaluate<string>('document.title');
      expect(title).toMatch(/^done: /);
      return outcome;
    } finally {
      await page.close();
    }
  }

  it('a page from an origin not in server.cors_origins reaches nothing upstream and reads nothing', async () => {
    const before = upstream.requests.length;
    const outcome = await visit(disallowed.origin);
    expect(outcome.origin).toBe(disallowed.origin);

    // The browser sent the simple POST (no preflight), the proxy refused it, and the page could not read why.
    expect(outcome.plain.read, JSON.stringify(outcome.plain)).toBe(false);
    // The JSON POST needs a preflight, which is refused, so the POST itself is never sent.
    expect(outcome.json.read, JSON.stringify(outcome.json)).toBe(false);
    expect(upstream.requests.length - before).toBe(0);

    // The proxy did see the attempts (so the page really ran) and refused them with 403.
    const refused = (): unknown[] =>
      proxy.logs
        .filter((l) => l['msg'] === 'request' && l['route'] === '/v1/chat/completions' && l['status'] === 403)
        .map((l) => l['method'])
        .sort();
    // The access-log line is written when the response closes, which may trail the page by a moment.
    await eventually(() => refused().length >= 2, 'the access-log lines of the refused requests');
    expect(refused()).toEqual(['OPTIONS', 'POST']);
  });

  it('a page from an allowed origin gets the completion from a JSON POST, and a readable 415 for text/plain', async () => {
    const before = upstream.requests.length;
    const outcome = await visit(allowed.origin);
    expect(outcome.origin).toBe(allowed.origin);

    expect(outcome.plain).toMatchObject({ read: true, status: 415 });
    expect(outcome.json).toMatchObject({ read: true, status: 200 });
    const completion = JSON.parse(outcome.json.body!);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe(
      `Simulated answer to: "sent as application/json from ${allowed.origin}"`,
    );

    const sent = upstream.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.json)).toContain(`sent as application/json from ${allowed.origin}`);
  });
});

/**
 * A real headless Chromium for browser tests, driven over the DevTools protocol with undici's WebSocket (no
 * browser-automation dependency). Only what the tests need: open a page, wait for its load event, evaluate
 * an expression (awaiting a promise), close everything.
 *
 * - `findChromium()` looks at CHROMIUM_PATH, then /usr/bin/chromium, /usr/bin/chromium-browser and the PATH.
 * - The browser runs in its own process group with a fresh temporary profile; `close()` kills the group and
 *   removes the profile, so nothing survives a test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { WebSocket } from 'undici';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium executable to use, or null when there is none. */
export function findChromium(): string | null {
  const explicit = process.env['CHROMIUM_PATH'];
  if (explicit !== undefined && explicit !== '') return executable(explicit) ? explicit : null;
  for (const path of CANDIDATES) if (executable(path)) return path;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of ['chromium', 'chromium-browser']) {
      const path = join(dir, name);
      if (executable(path)) return path;
    }
  }
  return null;
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface Page {
  /** Evaluates `expression` in the page, awaiting it if it is a promise; returns its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** A PNG of the page as it is now, the whole page (not only the viewport). */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

export interface Browser {
  /** Opens `url` in a new tab and resolves after its load event. */
  open(url: string, timeoutMs?: number): Promise<Page>;
  close(): Promise<void>;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--remote-debugging-port=0',
];

/** Starts Chromium and connects to its browser-level DevTools endpoint. */
export async function launchChromium(executablePath: string, timeoutMs = 10_000): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'claudine-chromium-'));
  const child = spawn(executablePath, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const cleanup = (): void => {
    killGroup(child);
    rmSync(profile, { recursive: true, force: true });
  };
  let endpoint: string;
  try {
    endpoint = await devToolsEndpoint(child, timeoutMs);
  } catch (err) {
    cleanup();
    throw err;
  }
  const ws = new WebSocket(endpoint);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${endpoint}`)), { once: true });
    });
  } catch (err) {
    cleanup();
    throw err;
  }

  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  const listeners = new Set<(m: CdpMessage) => void>();
  ws.addEventListener('message', (ev) => {
    const message = JSON.parse(String(ev.data)) as CdpMessage;
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`CDP: ${message.error.message}`));
      else waiter?.resolve(message.result ?? {});
      return;
    }
    for (const listener of listeners) listener(message);
  });
  ws.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the browser connection closed'));
    pending.clear();
  });

  const send = (
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId !== undefined ? { sessionId } : {}) }));
    });

  const waitFor = (predicate: (m: CdpMessage) => boolean, what: string, ms: number): Promise<CdpMessage> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const listener = (m: CdpMessage): void => {
        if (!predicate(m)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(m);
      };
      listeners.add(listener);
    });

  return {
    async open(url, openTimeoutMs = 10_000) {
      const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as {
        targetId: string;
      };
      const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as {
        sessionId: string;
      };
      await send('Page.enable', {}, sessionId);
      const loaded = waitFor(
        (m) => m.sessionId === sessionId && m.method === 'Page.loadEventFired',
        `the load event of ${url}`,
        openTimeoutMs,
      );
      const navigation = (await send('Page.navigate', { url }, sessionId)) as { errorText?: string };
      if (navigation.errorText !== undefined) throw new Error(`cannot open ${url}: ${navigation.errorText}`);
      await loaded;
      return {
        async evaluate<T>(expression: string): Promise<T> {
          const reply = (await send(
            'Runtime.evaluate',
            { expression, awaitPromise: true, returnByValue: true },
            sessionId,
          )) as { result: { value?: unknown }; exceptionDetails?: { text: string } };
          if (reply.exceptionDetails !== undefined)
            throw new Error(`page threw: ${JSON.stringify(reply.exceptionDetails)}`);
          return reply.result.value as T;
        },
        async screenshot() {
          const reply = (await send(
            'Page.captureScreenshot',
            { format: 'png', captureBeyondViewport: true },
            sessionId,
          )) as { data: string };
          return Buffer.from(reply.data, 'base64');
        },
        async close() {
          await send('Target.closeTarget', { targetId });
        },
      };
    },
    async close() {
      try {
        await Promise.race([send('Browser.close'), new Promise((r) => setTimeout(r, 1000))]);
      } catch {
        // The browser is going away either way.
      }
      ws.close();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(resolve, 2000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      cleanup();
    },
  };
}

/** Reads Chromium's stderr until it prints its DevTools WebSocket address. */
function devToolsEndpoint(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(
      () => finish(new Error(`Chromium printed no DevTools address in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1] !== undefined) finish(null, match[1]);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`Chromium exited (code ${code}, signal ${signal}) before it was ready:\n${stderr}`));
    const onError = (err: Error): void => finish(err);
    function finish(err: Error | null, url?: string): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining stderr so a chatty browser never blocks on a full pipe.
      child.stderr?.resume();
      if (err !== null) reject(err);
      else resolve(url as string);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Kills the browser and every helper process it started (they share its process group). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

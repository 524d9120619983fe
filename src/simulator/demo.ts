/**
 * `claudine start --upstream demo`: the simulator runs in-process on a loopback port and the proxy uses it as
 * its upstream, with a credential that is obviously not a real key. Nothing leaves the machine.
 */
import type { TokenSource } from '../auth/index.js';
import { startSimulator, type Simulator } from './server.js';

/** Sent to the in-process simulator; the simulator accepts only this, so no real key is ever involved. */
export const DEMO_KEY = 'demo-key-not-a-real-anthropic-key';

export interface DemoUpstream {
  readonly simulator: Simulator;
  /** The upstream base URL for the proxy (`http://127.0.0.1:PORT/v1`). */
  readonly baseUrl: string;
  readonly tokens: TokenSource;
  close(): Promise<void>;
}

export async function startDemoUpstream(): Promise<DemoUpstream> {
  const simulator = await startSimulator({
    demo: true,
    recordLimit: 0,
    acceptKey: (key) => key === DEMO_KEY,
  });
  const headers = Object.freeze({ 'x-api-key': DEMO_KEY });
  const tokens: TokenSource = {
    current: () => headers,
    renew: () => Promise.resolve(headers),
    readiness: () => ({
      ready: true,
      reason: 'demo mode: answers come from the built-in simulator, not Claude',
    }),
    close: () => undefined,
  };
  return { simulator, baseUrl: simulator.baseUrl, tokens, close: () => simulator.close() };
}

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- wire JSON is read loosely in these tests */
/** Talking to the simulator directly, as the real API's clients would. */
import type { Simulator } from '../../src/simulator/index.js';

export const TEST_KEY = 'sk-ant-test-not-a-real-key';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any;
  readonly text: string;
}

export async function call(
  sim: Simulator,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(sim.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': TEST_KEY,
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export const messages = (sim: Simulator, body: unknown, headers?: Record<string, string>): Promise<Reply> =>
  call(sim, '/v1/messages', body, headers);

/** Parses an SSE body into its events' data objects. */
export function sseEvents(text: string): any[] {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').find((l) => l.startsWith('data: ')))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice('data: '.length)));
}

export const user = (content: unknown) => ({ role: 'user', content });
export const assistant = (content: unknown) => ({ role: 'assistant', content });

/**
 * The status page in a real headless Chromium, while the simulated Claude serves a scripted multi-turn
 * conversation with tools and automatic caching through the official `openai` client: the test reads what
 * a person sees (status, per-model tokens and cost, cache hit ratio, the request list), saves a screenshot
 * under test-output/ (git-ignored), and checks the page never shows the credential, the prompt or the answer.
 *
 * Needs Chromium (as test/browser/cors.test.ts): skips locally without it, fails under CI=true.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { PRICES, type Summary } from '../../src/ui/index.js';
import { findChromium, launchChromium, type Browser } from '../helpers/chromium.js';
import { FAKE_API_KEY, startProxy, type RunningProxy } from '../helpers/proxy.js';

const chromium = findChromium();
const inCi = process.env['CI'] === 'true' || process.env['CI'] === '1';
const MODEL = 'claude-sonnet-4-6';
/** Marks the prompt and the tool output: neither may appear on the page. */
const PROMPT_MARKER = 'PROMPT-TEXT-MARKER-7f3a';
const TOOL_MARKER = 'TOOL-OUTPUT-MARKER-91bd';
const ANSWER_MARKER = 'ANSWER-TEXT-MARKER-c2e8';
/** Sonnet 4.6 caches prefixes from 1024 tokens; this system prompt alone is well above (≈ 2,500 tokens). */
const SYSTEM = `You are a careful coding agent (${PROMPT_MARKER}). ${'Read the repository before changing anything; explain each change in one sentence. '.repeat(120)}`;

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'read_file',
      description: 'Reads a file of the repository.',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  },
];

interface Turn {
  readonly input: number;
  readonly cacheRead: number;
  readonly output: number;
}

let upstream: Simulator;
let proxy: RunningProxy;
let browser: Browser | null = null;
const turns: Turn[] = [];

/** The scripted conversation: a tool call, its result, a second tool call, its result, a last question. */
async function converse(client: OpenAI): Promise<void> {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Look at main.ts and tell me what it does (${PROMPT_MARKER}).` },
  ];
  const record = (usage: OpenAI.Completions.CompletionUsage | undefined): void => {
    expect(usage).toBeDefined();
    const cacheRead = usage!.prompt_tokens_details?.cached_tokens ?? 0;
    turns.push({ input: usage!.prompt_tokens, cacheRead, output: usage!.completion_tokens });
  };
  const ask = async (stream: boolean): Promise<OpenAI.Chat.Completions.ChatCompletionMessage> => {
    if (!stream) {
      const answer = await client.chat.completions.create({
        model: MODEL,
        messages,
        tools,
        max_tokens: 1024,
      });
      record(answer.usage);
      return answer.choices[0]!.message;
    }
    const chunks = await client.chat.completions.create({
      model: MODEL,
      messages,
      tools,
      max_tokens: 1024,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const calls: OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[] = [];
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    for await (const chunk of chunks) {
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) text += delta.content;
      for (const call of delta?.tool_calls ?? []) {
        const existing = calls[call.index];
        if (existing === undefined)
          calls[call.index] = {
            id: call.id ?? '',
            type: 'function',
            function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' },
          };
        else existing.function.arguments += call.function?.arguments ?? '';
      }
    }
    record(usage);
    return {
      role: 'assistant',
      content: text === '' ? null : text,
      refusal: null,
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
    };
  };
  const toolTurn = async (stream: boolean, output: string): Promise<void> => {
    const reply = await ask(stream);
    expect(reply.tool_calls?.length).toBe(1);
    messages.push({ role: 'assistant', content: reply.content, tool_calls: reply.tool_calls! });
    messages.push({ role: 'tool', tool_call_id: reply.tool_calls![0]!.id, content: output });
  };
  await toolTurn(false, `export const main = () => 42; // ${TOOL_MARKER}`);
  const second = await ask(true);
  expect(second.content).toContain(TOOL_MARKER);
  messages.push({ role: 'assistant', content: second.content ?? '' });
  messages.push({ role: 'user', content: 'call tool read_file with {"path":"util.ts"}' });
  await toolTurn(true, `export const util = 1; // ${TOOL_MARKER}`);
  const fourth = await ask(false);
  messages.push({ role: 'assistant', content: fourth.content ?? '' });
  messages.push({ role: 'user', content: `say "${ANSWER_MARKER} all done"` });
  const last = await ask(true);
  expect(last.content).toBe(`${ANSWER_MARKER} all done`);
}

beforeAll(async () => {
  upstream = await startSimulator();
  proxy = await startProxy({ upstreamBaseUrl: upstream.baseUrl });
  if (chromium !== null) browser = await launchChromium(chromium);
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await upstream?.close();
});

describe.skipIf(chromium === null && !inCi)('the status page in a real browser', () => {
  it('shows status, usage by model with cost, the cache hit ratio and the requests — and no secret, prompt or answer', async () => {
    expect(chromium, 'Chromium is required under CI (apt-get install chromium)').not.toBeNull();
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await converse(client);
    expect(turns).toHaveLength(5);

    // Measured: the share of input tokens read from the cache from turn 2 on (docs/observability.md).
    const later = turns.slice(1);
    const share = later.reduce((s, t) => s + t.cacheRead, 0) / later.reduce((s, t) => s + t.input, 0);
    console.info(`status page test: cache read share from turn 2 on = ${(share * 100).toFixed(1)}%`);
    expect(share).toBeGreaterThanOrEqual(0.8);

    const page = await browser!.open(`${proxy.url}/`);
    const summary = await page.evaluate<Summary>(`new Promise((resolve, reject) => {
      const deadline = Date.now() + 10000;
      const check = () => {
        const s = window.lastSummary;
        if (s && s.recent.length >= 5) return resolve(s);
        if (Date.now() > deadline) return reject(new Error('the page never showed 5 requests'));
        setTimeout(check, 50);
      };
      check();
    })`);
    const text = await page.evaluate<string>('document.body.innerText');
    const cell = (selector: string): Promise<string> =>
      page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);

    // Status.
    expect(await cell('#s-version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await cell('#s-readiness')).toBe('ready');
    expect(await cell('#s-upstream')).toBe(upstream.baseUrl.replace(/\/+$/, ''));
    expect(await cell('#s-last')).toMatch(/^200 at .* from anthropic$/);
    expect(await cell('#s-answered')).toBe('anthropic: 5 (last 200)');
    expect(await cell('#s-auth-source')).toBe('loaded from environment variable ANTHROPIC_API_KEY');
    expect(await cell('#s-auth-method')).toBe(proxy.config.auth.method);
    expect(await cell('#s-auth-storage')).toBe('env');
    // Live figures: the page's own polling is neither in flight nor in the list.
    expect(await cell('#f-inflight')).toBe('0 (0 streaming)');
    expect(await cell('#f-rpm')).toBe('5');
    expect(await cell('#f-errors')).toBe('0.0%');

    // Usage by model: the page's figures are the client's own usage, summed (prompt_tokens = uncached +
    // cache reads + cache writes), and the cost follows the one price table.
    const row = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#models tr')].map((tr) => [...tr.children].map((td) => td.textContent))[0]`,
    );
    const model = summary.models.find((m) => m.model === MODEL)!;
    expect(row[0]).toBe(MODEL);
    expect(row[1]).toBe('5');
    const promptTokens = turns.reduce((s, t) => s + t.input, 0);
    expect(model.input_tokens + model.cache_read_tokens + model.cache_write_tokens).toBe(promptTokens);
    expect(model.cache_read_tokens).toBe(turns.reduce((s, t) => s + t.cacheRead, 0));
    expect(model.output_tokens).toBe(turns.reduce((s, t) => s + t.output, 0));
    expect(row[2]).toBe(model.input_tokens.toLocaleString('en-US'));
    expect(row[3]).toBe(model.output_tokens.toLocaleString('en-US'));
    expect(row[4]).toBe(model.cache_read_tokens.toLocaleString('en-US'));
    expect(row[5]).toBe(model.cache_write_tokens.toLocaleString('en-US'));
    expect(model.cache_write_tokens).toBeGreaterThan(0);
    const price = PRICES[MODEL]!;
    const cost =
      (model.input_tokens * price.input +
        model.output_tokens * price.output +
        model.cache_read_tokens * price.cacheRead +
        model.cache_write_tokens * price.cacheWrite) /
      1e6;
    expect(row[7]).toBe(`$${cost.toFixed(4)}`);

    // Cache hit ratio: the headline figure and at least one bar in the chart.
    const overall = model.cache_read_tokens / promptTokens;
    expect(await cell('#cache-ratio')).toBe(`${(overall * 100).toFixed(1)}%`);
    expect(
      await page.evaluate<number>(`document.querySelectorAll('#cache-chart rect').length`),
    ).toBeGreaterThan(0);

    // The request list: five chat completions, newest first, with their tokens.
    const requests = await page.evaluate<string[][]>(
      `[...document.querySelectorAll('#request-rows tr')].map((tr) => [...tr.children].map((td) => td.textContent))`,
    );
    expect(requests).toHaveLength(5);
    for (const r of requests) {
      expect(r[1]).toBe('/v1/chat/completions');
      expect(r[2]).toBe(MODEL);
      expect(r[3]).toBe('200');
    }
    const newestFirst = [...turns].reverse();
    requests.forEach((r, i) => expect(r[6]).toBe(newestFirst[i]!.cacheRead.toLocaleString('en-US')));

    mkdirSync(join('test-output', 'ui'), { recursive: true });
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    writeFileSync(join('test-output', 'ui', 'status-page.png'), png);

    // Never a credential, a prompt or an answer — neither on the page nor in the JSON behind it.
    const json = await (await fetch(`${proxy.url}/ui/api/summary`)).text();
    const html = await page.evaluate<string>('document.documentElement.outerHTML');
    for (const shown of [text, html, json]) {
      for (const secret of [FAKE_API_KEY, PROMPT_MARKER, TOOL_MARKER, ANSWER_MARKER, 'careful coding agent'])
        expect(shown).not.toContain(secret);
    }
    await page.close();
  }, 60_000);
});

describe('the status page behind the guards', () => {
  it('asks for a client key when the proxy has some, and refuses foreign origins and hosts', async () => {
    const guarded = await startProxy({
      upstreamBaseUrl: upstream.baseUrl,
      flags: { '--server--api-keys': 'client-key-test-not-real' },
    });
    try {
      const page = await fetch(`${guarded.url}/ui`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).toContain('<title>claudine status</title>');
      expect((await fetch(`${guarded.url}/ui/api/summary`)).status).toBe(401);
      const keyed = await fetch(`${guarded.url}/ui/api/summary`, {
        headers: { authorization: 'Bearer client-key-test-not-real' },
      });
      expect(keyed.status).toBe(200);
      expect(((await keyed.json()) as Summary).readiness.ready).toBe(true);
      const foreign = await fetch(`${guarded.url}/ui/api/summary`, {
        headers: { authorization: 'Bearer client-key-test-not-real', origin: 'http://evil.example' },
      });
      expect(foreign.status).toBe(403);
    } finally {
      await guarded.close();
    }
  });

  it('is absent with ui.enabled = false', async () => {
    const off = await startProxy({ upstreamBaseUrl: upstream.baseUrl, flags: { '--ui--enabled': 'false' } });
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
      expect((await fetch(`${off.url}/ui/api/summary`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

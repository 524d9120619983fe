/**
 * Upstream response bodies as the routes see them: async-iterable chunks plus `json()`/`text()`/`dump()`.
 * undici's own body already has that shape; `PrefixedBody` puts back the bytes read while peeking at the
 * first event of a stream.
 */
import type { Dispatcher } from 'undici';

export interface UpstreamBody extends AsyncIterable<Buffer> {
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** Reads and discards the rest, so the connection can be reused. */
  dump(): Promise<void>;
}

export class PrefixedBody implements UpstreamBody {
  constructor(
    private readonly prefix: readonly Buffer[],
    /** The body the prefix was read from, for dump(). */
    private readonly rest: Dispatcher.ResponseData['body'],
    /** The iterator the prefix was read with: carrying on with it keeps the body's position. */
    private readonly iterator: AsyncIterator<Buffer>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (const chunk of this.prefix) yield chunk;
    try {
      for (;;) {
        const next = await this.iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // The consumer stopped early (client gone): release the upstream body.
      await this.iterator.return?.();
    }
  }

  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  dump(): Promise<void> {
    return this.rest.dump();
  }
}

/**
 * A request body that can be sent more than once while it is still arriving: chunks are kept (references,
 * no copies) as they are read from the client, and every attempt gets its own iterator over them. The
 * client's stream is read by this class alone, so an aborted attempt never disturbs it.
 */
export class ReplayableBody {
  readonly #chunks: Buffer[] = [];
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  #bytes = 0;

  constructor(
    source: AsyncIterable<Buffer>,
    /** Called for every chunk with the total so far; throw to fail the body (size limits). */
    private readonly onChunk: (total: number) => void = () => undefined,
  ) {
    void this.#pump(source);
  }

  get bytes(): number {
    return this.#bytes;
  }

  async #pump(source: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const chunk of source) {
        this.#bytes += chunk.length;
        this.onChunk(this.#bytes);
        this.#chunks.push(chunk);
        this.#notify();
      }
    } catch (err) {
      this.#error = err instanceof Error ? err : new Error(String(err));
    }
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** A fresh pass over the whole body, waiting for chunks still to come. */
  async *stream(): AsyncGenerator<Buffer> {
    let i = 0;
    for (;;) {
      if (this.#error !== null) throw this.#error;
      if (i < this.#chunks.length) {
        yield this.#chunks[i++] as Buffer;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        const previous = this.#wake;
        this.#wake = () => {
          previous?.();
          resolve();
        };
      });
    }
  }

  /** The first chunk, once one arrived (for a cheap look at the start of the body). */
  get firstChunk(): Buffer | undefined {
    return this.#chunks[0];
  }

  /** The error that ended the body early (e.g. over the size limit), if any. */
  get error(): Error | null {
    return this.#error;
  }
}

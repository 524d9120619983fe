/**
 * Upstream response bodies as the routes see them. The hot path reads them with `forEachChunk`, which runs
 * on the stream's own 'data' events (no promise per chunk) and pauses the stream while the client's socket
 * is full. Bytes read while peeking at the first event of a stream are kept in `prefix` and come first.
 */
import { Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { toMidStreamError } from './failure.js';

/**
 * Turns a body's own framing into what the routes read (a cloud's event stream → SSE), chunk by chunk
 * inside the read loop: no extra stream between the socket and the route, whose Writable and Readable
 * machinery cost more per chunk than the re-framing itself.
 */
export interface ChunkReframer {
  /** The bytes to pass on for one chunk read (often empty: a frame may span reads); throws on bad framing. */
  push(chunk: Buffer): Buffer;
  /** The body ended; throws when it ended inside a frame. */
  end(): void;
}

export class UpstreamBody implements AsyncIterable<Buffer> {
  constructor(
    /** undici's body, or a Readable a provider made (a local answer). */
    readonly stream: Dispatcher.ResponseData['body'] | Readable,
    /** Chunks already read from `stream` (a peek); they come before anything still in it. */
    readonly prefix: readonly Buffer[] = [],
    /** The stream already ended while the prefix was read. */
    readonly ended = false,
    /** Applied to every chunk read (prefix included) before anyone sees it. */
    readonly reframe: ChunkReframer | null = null,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const reframe = this.reframe;
    for (const chunk of this.prefix) yield reframe === null ? chunk : reframe.push(chunk);
    if (!this.ended)
      for await (const chunk of this.stream as AsyncIterable<Buffer>)
        yield reframe === null ? chunk : reframe.push(chunk);
    reframe?.end();
  }

  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    await forEachChunk(this, (chunk) => {
      chunks.push(chunk);
      return undefined;
    });
    return Buffer.concat(chunks).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  /** Reads and discards the rest, so the connection can be reused. */
  dump(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if ('dump' in this.stream) return this.stream.dump();
    this.stream.destroy();
    return Promise.resolve();
  }
}

/**
 * Calls `onChunk` for every chunk in order. When it returns a promise (the client's socket is full), the
 * stream pauses until that settles: backpressure without a promise per chunk. Resolves at the end of the
 * body; rejects with one `onChunk` threw, or with the stream's failure as an UpstreamError (502 for a
 * broken connection, 504 for an idle timeout) so each route can end its answer in its own dialect.
 */
export function forEachChunk(
  body: UpstreamBody,
  onChunk: (chunk: Buffer) => Promise<void> | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream: Readable = body.stream;
    // 'end' can come right after a peek paused the stream (undici ends a small body at once): check the flag.
    let ended = body.ended || stream.readableEnded;
    let waiting = 0;
    let settled = false;
    const cleanup = (): void => {
      stream.off('data', handle);
      stream.off('end', onEnd);
      stream.off('error', onStreamError);
      stream.off('close', onClose);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const reframe = body.reframe;
    const succeed = (): void => {
      if (settled) return;
      if (reframe !== null) {
        try {
          reframe.end();
        } catch (err) {
          fail(toMidStreamError(err));
          return;
        }
      }
      settled = true;
      cleanup();
      resolve();
    };
    const resume = (): void => {
      if (--waiting > 0 || settled) return;
      if (ended) succeed();
      else stream.resume();
    };
    function handle(read: Buffer): void {
      if (settled) return;
      let chunk = read;
      if (reframe !== null) {
        try {
          chunk = reframe.push(read);
        } catch (err) {
          fail(toMidStreamError(err));
          return;
        }
        if (chunk.length === 0) return;
      }
      let wait: Promise<void> | undefined;
      try {
        wait = onChunk(chunk);
      } catch (err) {
        fail(err);
        return;
      }
      if (wait !== undefined) {
        waiting++;
        stream.pause();
        wait.then(resume, fail);
      }
    }
    function onEnd(): void {
      ended = true;
      if (waiting === 0) succeed();
    }
    // A stream destroyed without 'end' (aborted) must not leave the caller waiting.
    function onClose(): void {
      if (!ended)
        fail(toMidStreamError(stream.errored ?? new Error('the upstream body closed before its end')));
    }
    function onStreamError(err: unknown): void {
      fail(toMidStreamError(err));
    }
    for (const chunk of body.prefix) handle(chunk);
    if (!ended && stream.destroyed) {
      fail(toMidStreamError(stream.errored ?? new Error('the upstream body closed before its end')));
      return;
    }
    if (ended) {
      if (waiting === 0) succeed();
      return;
    }
    stream.on('data', handle);
    stream.once('end', onEnd);
    stream.once('error', onStreamError);
    stream.once('close', onClose);
    // A peek paused the stream explicitly, and a paused stream stays paused when a listener is added.
    if (waiting > 0) stream.pause();
    else stream.resume();
  });
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
  #completeWaiters: (() => void)[] = [];

  constructor(
    source: Readable,
    /** Called for every chunk with the total so far; throw to fail the body (size limits). */
    private readonly onChunk: (total: number, chunk: Buffer) => void = () => undefined,
  ) {
    this.#pump(source);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Reads the client's stream through its events: no promise per chunk on the way in either. */
  #pump(source: Readable): void {
    const onData = (chunk: Buffer): void => {
      this.#bytes += chunk.length;
      try {
        this.onChunk(this.#bytes, chunk);
      } catch (err) {
        finish(err);
        source.resume(); // drain and drop the rest: the request is answered with the error
        return;
      }
      this.#chunks.push(chunk);
      this.#notify();
    };
    const finish = (err?: unknown): void => {
      if (this.#ended) return;
      source.off('data', onData);
      if (err !== undefined)
        this.#error =
          err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'request body failed');
      this.#ended = true;
      this.#notify();
      const waiters = this.#completeWaiters;
      this.#completeWaiters = [];
      for (const wake of waiters) wake();
    };
    source.on('data', onData);
    source.once('end', () => finish());
    source.once('error', (err) => finish(err));
    source.once('close', () =>
      finish(source.readableEnded ? undefined : new Error('the client closed the request body early')),
    );
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /**
   * A fresh pass over the whole body as a Readable (undici streams a Readable the way it streams the
   * client's own request), pushing what has arrived and waiting for what is still to come.
   */
  stream(): Readable {
    let next = 0;
    let waiting = false;
    // Pushes what has arrived; when that is all, asks to be called again once more comes. A push made
    // from that callback (outside _read) is how a Readable is fed asynchronously.
    const pump = (): void => {
      if (this.#error !== null) {
        readable.destroy(this.#error);
        return;
      }
      while (next < this.#chunks.length) {
        if (!readable.push(this.#chunks[next++])) return;
      }
      if (this.#ended) {
        readable.push(null);
        return;
      }
      waiting = true;
      this.#onMore(() => {
        waiting = false;
        pump();
      });
    };
    const readable = new Readable({
      read: () => {
        if (!waiting) pump();
      },
    });
    return readable;
  }

  #onMore(callback: () => void): void {
    const previous = this.#wake;
    this.#wake = () => {
      previous?.();
      callback();
    };
  }

  /**
   * What undici sends: once the whole body is here (the upstream client waits for that), one Buffer, so
   * the request leaves in a single write with its length known; before that, a Readable (`stream()`).
   */
  payload(): Buffer | Readable {
    if (!this.#ended || this.#error !== null) return this.stream();
    const chunks = this.#chunks;
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#bytes);
  }

  /**
   * Resolves once the client has sent the whole body (or it failed: see `error`). The upstream client waits
   * for this before taking an upstream connection, so a client that drips its body holds only its own
   * socket (bounded by server.request_timeout), never one of the shared upstream connections. The body is
   * kept in memory for a retry anyway, so waiting costs no memory, only the loopback transfer time.
   */
  complete(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#completeWaiters.push(resolve));
  }

  /**
   * Whether the body seems to ask for a stream (`"stream": true`), found by byte search without parsing.
   * Only used to pick the first-byte timeout; a match inside a string value or split across two chunks
   * is possible and only means the other timeout applies.
   */
  declaresStream(): boolean {
    for (const chunk of this.#chunks) {
      let at = chunk.indexOf(STREAM_KEY);
      while (at !== -1) {
        if (at === 0 || chunk[at - 1] !== BACKSLASH) {
          let i = at + STREAM_KEY.length;
          while (i < chunk.length && isJsonSpace(chunk[i] as number)) i++;
          if (chunk[i] === COLON) {
            i++;
            while (i < chunk.length && isJsonSpace(chunk[i] as number)) i++;
            if (chunk.subarray(i, i + 4).equals(TRUE)) return true;
          }
        }
        at = chunk.indexOf(STREAM_KEY, at + 1);
      }
    }
    return false;
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

/**
 * A request body sent exactly once, for bodies too large to keep for a retry (file uploads, batch
 * creation): the client's stream is piped to the upstream through a counting Transform, so backpressure
 * reaches the client and only a few socket buffers are ever held. The price: no retry and no 401 renewal
 * once it has been sent (the upstream's answer goes to the client as it is).
 */
export class StreamedBody {
  #bytes = 0;
  #error: Error | null = null;
  #first: Buffer | undefined;
  #sent = false;

  constructor(
    private readonly source: Readable,
    /** Called for every chunk with the total so far; throw to fail the body (size limits). */
    private readonly onChunk: (total: number, chunk: Buffer) => void = () => undefined,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get firstChunk(): Buffer | undefined {
    return this.#first;
  }

  get error(): Error | null {
    return this.#error;
  }

  /** Whether stream() was called: the body is gone and cannot be sent again. */
  get sent(): boolean {
    return this.#sent;
  }

  stream(): Readable {
    if (this.#sent) throw new Error('a streamed request body can be sent only once');
    this.#sent = true;
    const source = this.source;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.#bytes += chunk.length;
        this.#first ??= chunk;
        try {
          this.onChunk(this.#bytes, chunk);
        } catch (err) {
          this.#fail(err);
          callback(this.#error);
          return;
        }
        callback(null, chunk);
      },
    });
    const stopReading = (): void => {
      source.unpipe(counter);
      // Drain and drop the rest: the request is answered with the error, on a connection not reused.
      source.resume();
    };
    counter.once('error', stopReading);
    // The client went away (or broke) before the end: the upstream must not take a truncated body.
    const onClose = (): void => {
      if (!source.readableEnded)
        counter.destroy(this.#fail(new Error('the client closed the request body early')));
    };
    source.once('close', onClose);
    source.once('error', (err) => counter.destroy(this.#fail(err)));
    source.pipe(counter);
    return counter;
  }

  #fail(err: unknown): Error {
    this.#error ??=
      err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'request body failed');
    return this.#error;
  }
}

const STREAM_KEY = Buffer.from('"stream"');
const TRUE = Buffer.from('true');
const BACKSLASH = 0x5c;
const COLON = 0x3a;
function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

import { BIO_EOF, BIO_ERROR, BIO_RETRY, type WaitableBio } from './bio.js';
import { ChunkQueue } from './chunk-queue.js';
import { Waiters, type Waiter } from './waiters.js';

/** A pair of byte streams: what a WebSocket wrapper, a Workers `connect()` socket or a Deno conn offers. */
export interface ByteStreamPair {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** Options for {@link StreamBio}. */
export interface StreamBioOptions {
  /** `write()` says retry while this many written bytes are not yet accepted by the sink. Default 64 KiB. */
  writeHighWaterMark?: number;
  /** Reading from the transport stops while this many received bytes wait unread. Default 256 KiB. */
  readHighWaterMark?: number;
}

const DEFAULT_WRITE_MARK = 64 * 1024;
const DEFAULT_READ_MARK = 256 * 1024;

/**
 * A non-blocking BIO over a pair of Web Streams (WHATWG streams, as in browsers, Workers and
 * Deno): the counterpart of SocketBio without any `node:` module.
 *
 * Reading: a loop pulls chunks from the readable into a queue while fewer than
 * `readHighWaterMark` bytes wait there (so a slow application stops the transport); `read(max)`
 * returns views, BIO_RETRY when empty, BIO_EOF when the readable is done and drained, BIO_ERROR
 * once it failed (queued bytes first). Writing: `write(data)` hands bytes to the writable's writer
 * and returns the count; while more than `writeHighWaterMark` bytes are still unaccepted by the
 * sink it returns BIO_RETRY, and `waitWritable()` resolves when the sink has caught up.
 */
export class StreamBio implements WaitableBio {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly writeMark: number;
  private readonly readMark: number;
  private readonly queue = new ChunkQueue();
  private eof = false;
  private closed = false;
  private failure: Error | null = null;
  private writeEnded = false;
  /** Bytes handed to the writer whose write() has not resolved yet. */
  private inFlight = 0;
  private readonly readWaiters = new Waiters();
  private readonly writeWaiters = new Waiters();
  /** Wakes the pull loop when the queue has room again. */
  private roomWaiter: Waiter | null = null;

  constructor(transport: ByteStreamPair, options: StreamBioOptions = {}) {
    this.reader = transport.readable.getReader();
    this.writer = transport.writable.getWriter();
    this.writeMark = options.writeHighWaterMark ?? DEFAULT_WRITE_MARK;
    this.readMark = options.readHighWaterMark ?? DEFAULT_READ_MARK;
    void this.pullLoop();
  }

  private async pullLoop(): Promise<void> {
    try {
      for (;;) {
        if (this.queue.length > this.readMark) await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        if (this.closed) return;
        const { done, value } = await this.reader.read();
        if (done) {
          this.eof = true;
          this.readWaiters.wake();
          return;
        }
        if (!(value instanceof Uint8Array)) throw new TypeError('StreamBio: the transport must deliver Uint8Array chunks');
        this.queue.push(value);
        this.readWaiters.wake();
      }
    } catch (e) {
      this.fail(e);
    }
  }

  // ------------------------------------------------------------------ Bio

  read(max: number): Uint8Array | typeof BIO_EOF | typeof BIO_RETRY | typeof BIO_ERROR {
    const out = this.queue.take(max);
    if (out === null) {
      if (this.failure) return BIO_ERROR;
      if (this.eof || this.closed) return BIO_EOF;
      return BIO_RETRY;
    }
    if (this.roomWaiter && this.queue.length <= this.readMark / 2) {
      const resume = this.roomWaiter;
      this.roomWaiter = null;
      resume();
    }
    return out;
  }

  write(data: Uint8Array): number {
    if (data.length === 0) return 0;
    if (this.failure || this.closed || this.writeEnded) return BIO_ERROR;
    const room = this.writeMark - this.inFlight;
    if (room <= 0) return BIO_RETRY;
    const n = Math.min(room, data.length);
    this.inFlight += n;
    this.writer.write(n === data.length ? data : data.subarray(0, n)).then(
      () => {
        this.inFlight -= n;
        if (this.inFlight < this.writeMark) this.writeWaiters.wake();
      },
      (e: unknown) => this.fail(e),
    );
    return n;
  }

  pending(): number {
    return this.queue.length;
  }

  // --------------------------------------------------------------- waiting

  waitReadable(): Promise<void> {
    if (this.readable()) return Promise.resolve();
    return new Promise<void>((resolve) => this.readWaiters.add(resolve));
  }

  whenReadable<T>(callback: Waiter<T>, arg?: T): void {
    if (this.readable()) queueMicrotask(() => callback(arg as T));
    else this.readWaiters.add(callback, arg as T);
  }

  waitWritable(): Promise<void> {
    if (this.writable()) return Promise.resolve();
    return new Promise<void>((resolve) => this.writeWaiters.add(resolve));
  }

  whenWritable<T>(callback: Waiter<T>, arg?: T): void {
    if (this.writable()) queueMicrotask(() => callback(arg as T));
    else this.writeWaiters.add(callback, arg as T);
  }

  private readable(): boolean {
    return this.queue.length > 0 || this.eof || this.closed || this.failure !== null;
  }

  private writable(): boolean {
    return this.failure !== null || this.closed || this.writeEnded || this.inFlight < this.writeMark;
  }

  // ------------------------------------------------------------ life cycle

  /** Closes the writable once everything written has been accepted. Never rejects. */
  async endWrite(): Promise<void> {
    if (this.writeEnded || this.closed) return;
    this.writeEnded = true;
    try {
      await this.writer.close();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Cancels the readable and aborts the writable (unsent bytes are dropped). */
  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.cancel(error).catch(() => undefined);
    if (!this.writeEnded) this.writer.abort(error).catch(() => undefined);
    this.roomWaiter?.();
    this.roomWaiter = null;
    this.wakeAll();
  }

  /** Stops reading from the transport (the readable is cancelled); the writable is left as it is. */
  releaseRead(): void {
    this.closed = true;
    this.reader.cancel().catch(() => undefined);
    this.roomWaiter?.();
    this.roomWaiter = null;
  }

  get error(): Error | null {
    return this.failure;
  }

  private fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    this.wakeAll();
  }

  private wakeAll(): void {
    this.readWaiters.wake();
    this.writeWaiters.wake();
  }
}

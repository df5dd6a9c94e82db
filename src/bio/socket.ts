import type { Duplex } from 'node:stream';
import { BIO_EOF, BIO_ERROR, BIO_RETRY, type WaitableBio } from './bio.js';
import { ChunkQueue } from './chunk-queue.js';
import { Waiters, type Waiter } from './waiters.js';

/**
 * Default `writeHighWaterMark`: 512 KiB of ciphertext held by the socket before `write` says
 * retry. Room for two of AsyncSsl's 256 KiB write slices (sixteen full records each, a little over
 * 256 KiB as ciphertext): one is sealed while the socket still holds the previous one, and a slice
 * leaves in one writev. A bulk sender's writev calls are a large part of its CPU (each runs the
 * loopback or NIC path in the kernel): sixteen records per call instead of four cut a typessl
 * sender's CPU per GB by about a fifth in A/B runs. A slice that does not fit is split by the mark.
 */
export const DEFAULT_WRITE_HIGH_WATER_MARK = 512 * 1024;
/** Default `readHighWaterMark`: 256 KiB of unread ciphertext before the socket is paused. */
export const DEFAULT_READ_HIGH_WATER_MARK = 256 * 1024;

/** Options for {@link SocketBio}. */
export interface SocketBioOptions {
  /**
   * `write()` returns BIO_RETRY (the `Ssl` reports WANT_WRITE) while the socket holds this many
   * written bytes or more (until its write callbacks have run: see {@link SocketBio}), and takes
   * at most the room left below it. Default 512 KiB. It bounds the ciphertext each connection's
   * socket holds while the peer reads slowly; a server with many connections sending at once may
   * lower it (with less than 256 KiB a bulk sender's slices leave in more, smaller writev calls).
   */
  writeHighWaterMark?: number;
  /**
   * Pause-until-read: once more than this many received bytes wait in the BIO, the socket is
   * paused (TCP flow control then stops the peer); it resumes when reads bring the queue down to
   * half of it. Keeps memory bounded when the application stops reading. Default 256 KiB.
   */
  readHighWaterMark?: number;
}

// SocketBio.state bits (one number instead of a field each: every connection has a BIO).
/** The peer's FIN arrived ('end'). */
const EOF = 1;
/** The socket closed ('close', or destroyed by us). */
const CLOSED = 2;
/** It closed because of an error. */
const CLOSED_WITH_ERROR = 4;
/** We paused it: too much unread data was queued. */
const PAUSED_BY_US = 8;

/** The socket's property holding the SocketBio its listeners deliver to. */
const BIO_OF = Symbol('typessl.SocketBio');
/** A socket a SocketBio listens on. */
type BioSocket = Duplex & { [BIO_OF]?: SocketBio };

/**
 * A non-blocking BIO over a Node `net.Socket` (or any `stream.Duplex`), OpenSSL's BIO_s_socket
 * for an event loop.
 *
 * Reading: every 'data' chunk is queued as it arrives; `read(max)` returns a view of at most `max`
 * bytes from the oldest chunk (never copies the queue), BIO_RETRY when nothing is queued,
 * BIO_EOF once the peer's FIN ('end') has been seen and the queue is empty, and BIO_ERROR after a
 * socket error, or once the socket closed without the peer's FIN (destroyed on our side: the
 * stream did not end, the transport went away; bytes received before are still returned first).
 * The socket is paused while the queue is above `readHighWaterMark`.
 *
 * Writing: `write(data)` hands bytes to `socket.write()` and returns how many it took. While the
 * bytes handed to the socket and not yet confirmed by its write callback reach
 * `writeHighWaterMark`, it takes nothing and returns BIO_RETRY; `waitWritable()` resolves when
 * there is room again. (Not the socket's `writableLength`: a write the kernel takes at once leaves
 * that count immediately, but Node keeps the written buffers until its deferred callbacks have
 * run, in a later tick. A writer that went on while `writableLength` said there was room would
 * never let those ticks run and would pile up every buffer it ever wrote.) Bytes it reports as
 * taken are never dropped by the BIO. The socket keeps a reference to `data` until it has sent
 * it, so the caller must not modify the array afterwards (the `Ssl` never does: its ciphertext is
 * fresh).
 *
 * For TLS half-close (close_notify, then reading the peer's last data) create the socket with
 * `allowHalfOpen: true`; otherwise Node ends our side by itself as soon as the peer's FIN arrives.
 * The BIO listens for 'error', so socket errors never become uncaught exceptions: they surface as
 * BIO_ERROR (`SSL_ERROR_SYSCALL`) and through {@link SocketBio.error}. One socket delivers to one
 * BIO: a SocketBio made later on the same socket receives its events from then on, and the
 * earlier one no more.
 */
export class SocketBio implements WaitableBio {
  /**
   * `read()` hands out views of the socket's received chunks, which nothing modifies later. (A
   * getter: a field would cost every connection 8 bytes.)
   */
  get stableReads(): true {
    return true;
  }

  private readonly writeMark: number;
  private readonly readMark: number;
  /** Received chunks; null while none wait (an idle connection then holds no queue object). */
  private queue: ChunkQueue | null = null;
  /** The socket's state as seen through its events, one bit each (EOF, CLOSED, ...). */
  private state = 0;
  private failure: Error | null = null;
  /**
   * Sizes of the writes handed to the socket whose callbacks have not run yet, oldest at
   * `unconfirmedHead` (null when there are none, so an idle connection holds no array).
   */
  private unconfirmed: number[] | null = null;
  private unconfirmedHead = 0;
  /** Their total: the bytes the socket still holds on to (see the class comment). */
  private unconfirmedBytes = 0;
  /** cork() calls not yet matched by uncork() (they nest: an AsyncSsl batch around the Ssl's flushes). */
  private corks = 0;
  private readonly readWaiters = new Waiters();
  /** Made when a write first has to wait (most connections never fill the socket's buffer). */
  private writeWaiters: Waiters | null = null;

  constructor(
    /** The transport. */
    readonly socket: Duplex,
    options: SocketBioOptions = {},
  ) {
    this.writeMark = positive(options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK, 'writeHighWaterMark');
    this.readMark = positive(options.readHighWaterMark ?? DEFAULT_READ_HIGH_WATER_MARK, 'readHighWaterMark');
    // A socket may already be finished when it is handed over (e.g. after a STARTTLS exchange).
    if (socket.errored) this.failure = socket.errored;
    if (socket.readableEnded) this.state |= EOF;
    if (socket.destroyed) this.state |= CLOSED;
    // The listeners are the class's own functions, one set for all connections: each finds its
    // BIO through the socket (the `this` of an EventEmitter listener), so a connection carries no
    // closures for them (five fewer objects per idle connection). A later SocketBio on the same
    // socket takes the events over instead of adding a second set of listeners.
    const s = socket as BioSocket;
    const listening = s[BIO_OF] !== undefined;
    s[BIO_OF] = this;
    if (!listening) {
      socket.on('data', SocketBio.onData);
      socket.on('end', SocketBio.onEnd);
      socket.on('error', SocketBio.onError);
      socket.on('close', SocketBio.onClose);
      socket.on('drain', SocketBio.onDrain);
    }
    // The BIO owns reading from now on: a socket the caller paused (e.g. while it read the
    // plaintext STARTTLS reply) would otherwise never deliver the handshake.
    if (socket.isPaused()) socket.resume();
  }

  // ------------------------------------------------------------------ Bio

  /** Up to `max` received bytes (a view of one queued chunk), or BIO_RETRY / BIO_EOF / BIO_ERROR. */
  read(max: number): Uint8Array | typeof BIO_EOF | typeof BIO_RETRY | typeof BIO_ERROR {
    if (!(max >= 1)) throw new RangeError(`SocketBio.read: max must be at least 1 (got ${max})`);
    const queue = this.queue;
    const out = queue === null ? null : queue.take(max);
    if (out === null) {
      if (this.failure || (this.state & CLOSED_WITH_ERROR) !== 0) return BIO_ERROR;
      if ((this.state & EOF) !== 0) return BIO_EOF;
      if ((this.state & CLOSED) !== 0) {
        // Not the peer's end of stream (that is 'end'): reading a torn-down transport fails, as a
        // read on a closed descriptor does (SSL_ERROR_SYSCALL, no alert to send anywhere).
        this.failure = new Error('the socket was closed before the peer ended the stream');
        return BIO_ERROR;
      }
      return BIO_RETRY;
    }
    const left = queue!.length;
    if (left === 0) this.queue = null;
    // Hysteresis (resume at half the mark) so a steady reader does not pause/resume per record.
    if ((this.state & PAUSED_BY_US) !== 0 && left <= this.readMark / 2) {
      this.state &= ~PAUSED_BY_US;
      if (!this.socket.destroyed) this.socket.resume();
    }
    return out;
  }

  /** Takes a prefix of `data` for the socket: the count, BIO_RETRY when its buffer is full, or BIO_ERROR. */
  write(data: Uint8Array): number {
    if (data.length === 0) return 0;
    const s = this.socket;
    if (this.failure || (this.state & CLOSED) !== 0 || s.destroyed || s.writableEnded) return BIO_ERROR;
    // Corked bytes count against the mark like the rest: they are held until their callbacks run.
    const room = this.writeMark - this.held();
    if (room <= 0) return BIO_RETRY;
    const n = Math.min(room, data.length);
    (this.unconfirmed ??= []).push(n);
    this.unconfirmedBytes += n;
    s.write(n === data.length ? data : data.subarray(0, n), (this.onWritten ??= SocketBio.written.bind(this)));
    return n;
  }

  /**
   * Holds the writes until the matching `uncork()` so they leave in one writev: the Ssl brackets
   * each flush with these, and AsyncSsl a run of writes, so records are handed over one by one
   * instead of being joined in a new buffer. Calls nest.
   */
  cork(): void {
    if (this.corks++ === 0 && !this.socket.destroyed) this.socket.cork();
  }

  /** Ends one `cork()`; the outermost sends what was held (see there). */
  uncork(): void {
    if (this.corks === 0) return;
    if (--this.corks === 0) this.socket.uncork();
  }

  /** Ends one `cork()` at the next `process.nextTick`, after the promise jobs queued until then (see WaitableBio). */
  uncorkSoon(): void {
    process.nextTick(uncorkBio, this);
  }

  /** Received bytes waiting to be read. */
  pending(): number {
    return this.queue?.length ?? 0;
  }

  // --------------------------------------------------------------- waiting

  /**
   * Resolves when `read()` may return something other than BIO_RETRY: at once if bytes, EOF or an
   * error are already there, otherwise on the next 'data', 'end', 'error' or 'close'. Never rejects.
   */
  waitReadable(): Promise<void> {
    if (this.readable()) return Promise.resolve();
    return new Promise<void>((resolve) => this.readWaiters.add(resolve));
  }

  /** `waitReadable` without a promise: `callback` runs once, from the socket event (see WaitableBio). */
  whenReadable<T>(callback: Waiter<T>, arg?: T): void {
    if (this.readable()) queueMicrotask(() => callback(arg as T));
    else this.readWaiters.add(callback, arg as T);
  }

  /**
   * Resolves when `write()` may take bytes again: at once if the socket's buffer is below the mark
   * (or the socket is gone, so `write()` reports the error), otherwise when the socket has sent
   * enough ('drain' or a completed write) or fails or closes. Never rejects.
   */
  waitWritable(): Promise<void> {
    if (!this.writeBlocked()) return Promise.resolve();
    return new Promise<void>((resolve) => (this.writeWaiters ??= new Waiters()).add(resolve));
  }

  /** `waitWritable` without a promise (see WaitableBio). */
  whenWritable<T>(callback: Waiter<T>, arg?: T): void {
    if (!this.writeBlocked()) queueMicrotask(() => callback(arg as T));
    else (this.writeWaiters ??= new Waiters()).add(callback, arg as T);
  }

  // ------------------------------------------------------------ life cycle

  /**
   * Ends our side of the TCP stream (socket.end(): FIN after the queued bytes). Resolves once the
   * socket has flushed and ended its write side, or has failed or been destroyed. Never rejects.
   */
  endWrite(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      // end(cb) calls back on 'finish', or with an error if the stream fails first; both mean done.
      this.socket.end(() => resolve());
    });
  }

  /** Tears the socket down at once (unsent bytes are dropped). Waiters are woken. */
  destroy(error?: Error): void {
    this.state |= CLOSED;
    this.socket.destroy(error);
    this.wakeAll();
  }

  /** The socket error that made the BIO fail, if any (for error reports: the SSL_ERROR_SYSCALL cause). */
  get error(): Error | null {
    return this.failure;
  }

  /** Whether the BIO has paused the socket because too much unread data is queued. */
  get paused(): boolean {
    return (this.state & PAUSED_BY_US) !== 0;
  }

  /** Whether the peer's FIN has been seen (reads return BIO_EOF once the queue is empty). */
  get ended(): boolean {
    return (this.state & EOF) !== 0;
  }

  // --------------------------------------------------------------- events

  // Socket listeners: `this` is the socket, whose BIO_OF is the BIO (see the constructor).

  private static onData(this: BioSocket, chunk: Uint8Array | string): void {
    const bio = this[BIO_OF]!;
    if (typeof chunk === 'string') {
      // setEncoding() was called on the socket: the bytes are already decoded and cannot be
      // recovered exactly, so fail loudly instead of feeding mangled ciphertext to the Ssl.
      bio.failure ??= new Error('SocketBio: the socket has an encoding set (setEncoding); TLS needs raw bytes');
      bio.wakeAll();
      return;
    }
    if (chunk.length === 0) return;
    const queue = (bio.queue ??= new ChunkQueue());
    queue.push(chunk);
    if ((bio.state & PAUSED_BY_US) === 0 && queue.length > bio.readMark) {
      bio.state |= PAUSED_BY_US;
      this.pause();
    }
    bio.readWaiters.wake();
  }

  private static onEnd(this: BioSocket): void {
    const bio = this[BIO_OF]!;
    bio.state |= EOF;
    bio.readWaiters.wake();
  }

  private static onError(this: BioSocket, err: Error): void {
    const bio = this[BIO_OF]!;
    bio.failure ??= err;
    bio.wakeAll();
  }

  private static onClose(this: BioSocket, hadError?: boolean): void {
    const bio = this[BIO_OF]!;
    bio.state |= hadError === true ? CLOSED | CLOSED_WITH_ERROR : CLOSED;
    bio.wakeAll();
  }

  private static onDrain(this: BioSocket): void {
    this[BIO_OF]!.writeWaiters?.wake();
  }

  /**
   * Write callback, once per write and in write order: the socket has let go of that chunk, so
   * there may be room below the mark again. A write callback is called without the socket as
   * `this`, so each BIO binds its own (a bound function: smaller than a closure with its context),
   * made by the first write while none is unconfirmed and dropped with the last confirmation: an
   * idle connection holds none (about 70 bytes).
   */
  private onWritten: ((err?: Error | null) => void) | null = null;

  private static written(this: SocketBio, err?: Error | null): void {
    if (err) this.failure ??= err;
    const sizes = this.unconfirmed;
    if (sizes !== null && this.unconfirmedHead < sizes.length) {
      this.unconfirmedBytes -= sizes[this.unconfirmedHead++]!;
      if (this.unconfirmedHead === sizes.length) {
        this.unconfirmed = null;
        this.unconfirmedHead = 0;
        this.onWritten = null;
      }
    }
    if (this.writeWaiters?.waiting && !this.writeBlocked()) this.writeWaiters.wake();
  }

  // ------------------------------------------------------------- internals

  private readable(): boolean {
    return this.queue !== null || (this.state & (EOF | CLOSED)) !== 0 || this.failure !== null;
  }

  private writeBlocked(): boolean {
    const s = this.socket;
    if (this.failure || (this.state & CLOSED) !== 0 || s.destroyed || s.writableEnded) return false;
    return this.held() >= this.writeMark;
  }

  /**
   * Bytes the socket holds for us: those whose write callbacks have not run, or its own unsent
   * count if larger (bytes the application wrote to the socket itself, e.g. before STARTTLS).
   */
  private held(): number {
    return Math.max(this.unconfirmedBytes, this.socket.writableLength);
  }

  private wakeAll(): void {
    this.readWaiters.wake();
    this.writeWaiters?.wake();
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`SocketBio: ${name} must be a positive number (got ${value})`);
  return value;
}

/** uncorkSoon's tick (a module function: no closure kept per connection). */
function uncorkBio(bio: SocketBio): void {
  bio.uncork();
}

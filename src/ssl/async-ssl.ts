import type { Duplex } from 'node:stream';
import type { WaitableBio } from '../bio/bio.js';
import { SocketBio, type SocketBioOptions } from '../bio/socket.js';
import { concatBytes } from '../engine/bytes.js';
import { Reason, withoutStackTrace } from '../wire/errors.js';
import {
  SSL_ERROR_NONE,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_WANT_WRITE,
  SSL_ERROR_ZERO_RETURN,
  sslErrorName,
  type SslErrorCode,
} from './constants.js';
import type { SslContext } from './context.js';
import { Ssl, type SslErrorInfo } from './ssl.js';

/** Writes smaller than this are joined with neighbouring small writes into full records. */
const COALESCE_BELOW = 16384;

/**
 * Writes queued together, up to WRITE_SLICE bytes (or one larger write alone): they go to the
 * socket under one cork, so their records leave in one writev instead of one write each, and
 * share one promise, settled when the slice has reached the socket (a run of 1 KiB writes then
 * costs an array push each, not a promise and two closures each).
 */
interface WriteSlice {
  pieces: Uint8Array[];
  bytes: number;
  /** Closed to later writes: a write of WRITE_SLICE or more, or a slice being sent. */
  closed: boolean;
  done: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function newSlice(data: Uint8Array): WriteSlice {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { pieces: [data], bytes: data.length, closed: data.length >= WRITE_SLICE, done, resolve, reject };
}

/**
 * A slice's pieces as SSL_write inputs: runs of small writes joined (so they fill records), large
 * writes as they are (no copy).
 */
function writeUnits(pieces: Uint8Array[]): Uint8Array[] {
  if (pieces.length === 1) return pieces;
  const units: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const endRun = (): void => {
    if (run.length > 0) units.push(run.length === 1 ? run[0]! : concatBytes(...run));
    run = [];
  };
  for (const p of pieces) {
    if (p.length < COALESCE_BELOW) run.push(p);
    else {
      endRun();
      units.push(p);
    }
  }
  endRun();
  return units;
}

/** Default `read()` size: one full TLS record of plaintext. */
const DEFAULT_READ_SIZE = 16384;
/**
 * Plaintext handed to `Ssl.write` per call, and the most that queued writes gather into one slice:
 * sixteen full records. Bounds the ciphertext held in memory for one large `write()` while keeping
 * records full; a slice leaves in one writev (see SocketBio's DEFAULT_WRITE_HIGH_WATER_MARK, which
 * leaves room for two), and fewer, larger writev calls are what makes a bulk sender cheaper.
 */
const WRITE_SLICE = 16 * 16384;

/**
 * A failed TLS operation of {@link AsyncSsl}: `SSL_ERROR_SSL` (protocol failure, with an
 * OpenSSL-style reason and maybe an alert) or `SSL_ERROR_SYSCALL` (the transport failed; `cause`
 * holds the socket error when there is one). One for a transport closed without close_notify
 * (reason SSL_R_UNEXPECTED_EOF_WHILE_READING) has no stack trace: it is made in the BIO's event
 * callbacks, whose frames never include the caller's (see withoutStackTrace).
 */
export class SslError extends Error {
  /** The `getError()` code's name, e.g. 'SSL_ERROR_SSL' or 'SSL_ERROR_SYSCALL'. */
  readonly code: string;
  /** The numeric `getError()` code. */
  readonly sslError: SslErrorCode;
  /** OpenSSL-style reason, e.g. 'SSL_R_UNEXPECTED_EOF_WHILE_READING'. */
  readonly reason: Reason | null;
  /** The alert sent or received with the failure, if any. */
  readonly alert: SslErrorInfo['alert'];

  constructor(info: SslErrorInfo, cause?: unknown) {
    let text = info.reason ? `${info.reason}: ${info.message}` : info.message;
    if (cause instanceof Error) text += ` (${cause.message})`;
    super(text || sslErrorName(info.code), cause === undefined ? undefined : { cause });
    this.name = 'SslError';
    this.code = sslErrorName(info.code);
    this.sslError = info.code;
    this.reason = info.reason;
    this.alert = info.alert;
  }
}

/**
 * `code` of the error the stream adapters (typessl/node, typessl/web) report when the transport
 * closes without the peer's close_notify: the data may have been cut short by an attacker or a
 * crash, so it is never reported as a clean end of stream.
 */
export const ERR_TLS_TRUNCATED = 'ERR_TLS_TRUNCATED';

/**
 * The transport closed without close_notify (reason SSL_R_UNEXPECTED_EOF_WHILE_READING, S-21):
 * what was received may be truncated. Its `code` is {@link ERR_TLS_TRUNCATED}; `cause` is the
 * underlying {@link SslError}. Opt out with SSL_OP_IGNORE_UNEXPECTED_EOF on the context (the
 * adapters' `ignoreUnexpectedEof` option), which turns such an EOF into a clean end. Like its
 * cause it carries no stack trace.
 */
export class TlsTruncatedError extends Error {
  readonly code = ERR_TLS_TRUNCATED;
  readonly reason = Reason.SSL_R_UNEXPECTED_EOF_WHILE_READING;

  constructor(cause: SslError) {
    super('the peer closed the transport without sending close_notify: the data may be truncated', { cause });
    this.name = 'TlsTruncatedError';
  }
}

/** The error a stream adapter reports for a failure of an AsyncSsl operation. */
export function streamError(e: unknown): Error {
  if (e instanceof SslError && e.reason === Reason.SSL_R_UNEXPECTED_EOF_WHILE_READING) return withoutStackTrace(() => new TlsTruncatedError(e));
  return e instanceof Error ? e : new Error(String(e));
}

/** Options of {@link AsyncSsl.connect} and {@link AsyncSsl.accept}. */
export interface AsyncSslOptions extends SocketBioOptions {
  /** Client: the server name to send (SNI) and to expect in the certificate. */
  servername?: string;
}

/**
 * What a lane's tail does with a job's outcome: nothing (later jobs only wait for it to settle).
 * One function for all lanes: an arrow written inline would be a new function object per job,
 * and an idle connection's read lane holds one pair for as long as it waits.
 */
const settled = (): undefined => undefined;

/** The tail of every lane that has run nothing yet (one promise for all, not one per lane). */
const IDLE_TAIL: Promise<unknown> = Promise.resolve();

/** Runs async jobs one after another, so two callers never interleave one kind of operation. */
class Lane {
  private tail: Promise<unknown> = IDLE_TAIL;

  /** Makes later jobs wait for `running`, a job started without the lane (it was idle). */
  adopt(running: Promise<unknown>): void {
    this.tail = running.then(settled, settled);
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    // The next job waits for this one to settle, whatever its outcome.
    this.tail = result.then(settled, settled);
    return result;
  }
}

/**
 * The "blocking" form of an `Ssl` (decision D-6): each method resolves only when its step has
 * finished or failed. Internally each is the non-blocking loop of S-60: call the synchronous
 * `Ssl` operation; on WANT_READ wait for the socket to become readable, on WANT_WRITE wait for it
 * to drain, then repeat the same call; on SSL_ERROR_SSL / SSL_ERROR_SYSCALL reject with an
 * {@link SslError}. Waiting is purely event driven: no timers, no polling.
 *
 * Writes (`write`, `shutdown`, `keyUpdate`) run one at a time in call order, and so do reads, so
 * overlapping calls from the application cannot corrupt a pending retry. Reading and writing may
 * run at the same time (and must, for bulk transfer in both directions).
 */
export class AsyncSsl<B extends WaitableBio = WaitableBio> {
  /** The lanes, while a job is queued or running on them (an idle connection holds neither). */
  private readLane: Lane | null = null;
  private writeLane: Lane | null = null;
  /** Jobs queued or running on the read lane (a read may skip the lane only when there are none). */
  private readsQueued = 0;
  /** Jobs queued or running on the write lane. */
  private writeJobs = 0;
  /**
   * The read waiting outside the lane (see read), its size and its promise's resolve function. Kept
   * in fields and retried by one function for all connections (the BIO calls it with the
   * AsyncSsl): an idle connection's pending read is then one promise and one function, not a
   * promise, closures and contexts per read. It is rejected through `resolve` too (see
   * rejectDirect), so the reject function is not kept. Its promise becomes the read lane's tail
   * only when another read queues behind it.
   */
  private direct: Promise<Uint8Array | null> | null = null;
  private directMax = 0;
  private directResolve: ((data: Uint8Array | null | PromiseLike<never>) => void) | null = null;
  /** The batch of write slices at the end of the write lane that new writes may join. */
  private openBatch: WriteSlice[] | null = null;
  /** Bytes passed to write() that have not been handed to the socket yet. */
  private unsent = 0;

  /**
   * Called after every step of the synchronous `Ssl` (each call of the retry loop), so an adapter
   * can notice what a step changed even while the operation still waits: a TLS 1.3 ticket that
   * arrived while `read()` waits for data, for example. It must not throw: what it throws fails
   * the operation in progress, and the bytes a read took in that step are gone with it.
   */
  onStep: (() => void) | null = null;

  /** Wraps `ssl`, making `bio` its read and write BIO. */
  constructor(
    /** The synchronous connection (for information such as `getVersion()`, and flags). */
    readonly ssl: Ssl,
    /** The BIO under it: a SocketBio, or any other BIO that can say when to retry. */
    readonly bio: B,
  ) {
    ssl.setBio(bio);
  }

  /**
   * Client: wraps `socket` (connected or still connecting) and completes the handshake. On
   * failure the socket is ended (after our alert, if any, is flushed) and the error is thrown.
   */
  static async connect(ctx: SslContext, socket: Duplex, options: AsyncSslOptions = {}): Promise<AsyncSsl<SocketBio>> {
    const ssl = new Ssl(ctx);
    ssl.setConnectState();
    if (options.servername) ssl.setServerName(options.servername);
    const a = new AsyncSsl(ssl, new SocketBio(socket, options));
    await a.handshakeOrClose();
    return a;
  }

  /** Server: wraps an accepted `socket` and completes the handshake (on failure as `connect`). */
  static async accept(ctx: SslContext, socket: Duplex, options: SocketBioOptions = {}): Promise<AsyncSsl<SocketBio>> {
    const ssl = new Ssl(ctx);
    ssl.setAcceptState();
    const a = new AsyncSsl(ssl, new SocketBio(socket, options));
    await a.handshakeOrClose();
    return a;
  }

  private async handshakeOrClose(): Promise<void> {
    try {
      await this.handshake();
    } catch (e) {
      // The alert is already queued in the socket: end() sends it and FIN, then the socket goes.
      // Not awaited, so a peer that stopped reading cannot hold the failure back.
      void this.bio.endWrite().then(() => this.bio.destroy());
      throw e;
    }
  }

  /** SSL_connect: runs the client handshake to completion. */
  connect(): Promise<void> {
    return this.bothLanes(async () => {
      await this.driveHandshake(() => this.ssl.connect());
    });
  }

  /** SSL_accept: runs the server handshake to completion. */
  accept(): Promise<void> {
    return this.bothLanes(async () => {
      await this.driveHandshake(() => this.ssl.accept());
    });
  }

  /** SSL_do_handshake in the role already set (by the static helpers or setConnectState/setAcceptState). */
  handshake(): Promise<void> {
    return this.bothLanes(async () => {
      await this.driveHandshake(() => this.ssl.doHandshake());
    });
  }

  /**
   * SSL_read: the next decrypted bytes (at most `max`, from one record at a time), or null once the
   * peer has closed cleanly with close_notify (ZERO_RETURN; later calls return null too).
   * Rejects with an SslError on failure, e.g. reason SSL_R_UNEXPECTED_EOF_WHILE_READING when the
   * transport closes without close_notify.
   */
  read(max: number = DEFAULT_READ_SIZE): Promise<Uint8Array | null> {
    if (!Number.isInteger(max) || max < 1) return Promise.reject(new RangeError(`read: max must be a positive integer (got ${max})`));
    if (this.readsQueued === 0) {
      // Fast path: nothing else is reading and a record is already here (the usual case in bulk
      // transfer): no lane job and no retry loop for it.
      const r = this.ssl.readView(max);
      if (typeof r !== 'number') return Promise.resolve(r);
      // Nothing else reads either way: wait without a lane job (see `direct`). Repeating the read
      // that found nothing is safe: it changed nothing.
      this.readsQueued++;
      this.directMax = max;
      const p = new Promise<Uint8Array | null>((resolve) => {
        this.directResolve = resolve;
      });
      this.direct = p;
      this.stepDirect();
      return p;
    }
    return this.readLaneRun(async () => {
      // The decrypted bytes are handed over as they are (readView): no buffer is held while the
      // connection is idle, and nothing is copied.
      let data: Uint8Array | null = null;
      await this.drive(() => {
        const r = this.ssl.readView(max);
        if (typeof r === 'number') return r;
        data = r;
        return r.length;
      });
      return data;
    });
  }

  /** One try of the direct read (the retry loop of `read()` as a callback of the BIO's wake-ups). */
  private stepDirect(): void {
    try {
      const r = this.ssl.readView(this.directMax);
      // getError first: the observer must not be able to disturb the call's error record.
      const code = this.ssl.getError(typeof r === 'number' ? r : r.length);
      this.onStep?.();
      if (typeof r !== 'number') this.resolveDirect(r);
      else if (code === SSL_ERROR_WANT_READ) this.bio.whenReadable(AsyncSsl.retryDirect, this);
      else if (code === SSL_ERROR_WANT_WRITE) this.bio.whenWritable(AsyncSsl.retryDirect, this);
      else if (r === 0 && (code === SSL_ERROR_NONE || code === SSL_ERROR_ZERO_RETURN)) this.resolveDirect(null);
      else this.rejectDirect(this.failure(code));
    } catch (e) {
      this.rejectDirect(e);
    }
  }

  /** stepDirect as the BIO's callback: one function for every connection, called with its AsyncSsl. */
  private static retryDirect(this: void, a: AsyncSsl): void {
    a.stepDirect();
  }

  private resolveDirect(data: Uint8Array | null): void {
    const resolve = this.directResolve!;
    this.endDirect();
    resolve(data);
  }

  /**
   * Rejects the direct read by resolving it with a rejected promise (it takes the rejection, two
   * microtasks later than a reject function would): an idle connection keeps one function fewer
   * (56 bytes).
   */
  private rejectDirect(error: unknown): void {
    const resolve = this.directResolve!;
    this.endDirect();
    resolve(Promise.reject(error));
  }

  /** The direct read is over: it no longer counts as queued, and its resolve function goes. */
  private endDirect(): void {
    this.direct = this.directResolve = null;
    this.readsQueued--;
  }

  /** Runs a job on the read lane, behind a direct read still waiting (see `direct`). */
  private readLaneRun<T>(job: () => Promise<T>): Promise<T> {
    const lane = (this.readLane ??= new Lane());
    if (this.direct !== null) {
      lane.adopt(this.direct);
      this.direct = null;
    }
    this.readsQueued++;
    return lane.run(job).finally(() => {
      // Nothing queued or running: the lane and its settled tail go (a new one starts idle).
      if (--this.readsQueued === 0) this.readLane = null;
    });
  }

  /**
   * SSL_write until all of `data` is handed to the socket. Writes may be issued without waiting for
   * the previous ones (they are sent in call order, by one job): small writes queued behind each
   * other are then coalesced into full records, as node:tls does, instead of one record each.
   * Writes coalesced together share one promise (settled when all of them reached the socket).
   */
  write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return this.writeJob(async () => {});
    this.unsent += data.length;
    const batch = this.openBatch;
    if (batch) {
      const tail = batch[batch.length - 1]!;
      if (!tail.closed && tail.bytes + data.length <= WRITE_SLICE) {
        tail.pieces.push(data);
        tail.bytes += data.length;
        return tail.done;
      }
      const slice = newSlice(data);
      batch.push(slice);
      return slice.done;
    }
    const slice = newSlice(data);
    const fresh = [slice];
    // Set after writeJob (which closes any open batch), so later writes join this one.
    void this.writeJob(() => this.sendBatch(fresh)).catch(() => {});
    this.openBatch = fresh;
    return slice.done;
  }

  /**
   * Bytes passed to `write()` that have not been handed to the socket yet (like a stream's
   * `writableLength`, for backpressure: stop writing while it is large, wait for a write).
   */
  get writeQueueLength(): number {
    return this.unsent;
  }

  /**
   * Sends a batch of write slices until it is empty; slices and writes that arrive meanwhile join
   * it. Each slice goes under one cork of the BIO (its records leave together), small writes joined
   * into full records, large ones in WRITE_SLICE steps as they are. Each slice's promise settles
   * once its bytes reached the socket.
   */
  private async sendBatch(batch: WriteSlice[]): Promise<void> {
    try {
      while (batch.length > 0) {
        const slice = batch[0]!;
        slice.closed = true;
        const units = writeUnits(slice.pieces);
        // The Ssl corks around each of its flushes; this cork spans the slice's SSL_writes (calls
        // nest). It is released before any wait: what is held must reach the peer first (the wait
        // may be for the peer's answer, or for the socket to drain).
        const useCork = units.length > 1 && this.bio.cork !== undefined;
        let corked = false;
        const release = (): void => {
          if (!corked) return;
          corked = false;
          this.bio.uncork!();
        };
        try {
          for (const data of units) {
            for (let at = 0; at < data.length; at += WRITE_SLICE) {
              const part = data.subarray(at, Math.min(data.length, at + WRITE_SLICE));
              if (useCork && !corked) {
                this.bio.cork!();
                corked = true;
              }
              // After WANT_WRITE the same part is passed again: the Ssl only flushes what it already made.
              await this.drive(() => this.ssl.write(part), release);
            }
          }
        } finally {
          release();
        }
        batch.shift();
        this.unsent -= slice.bytes;
        slice.resolve();
      }
    } catch (e) {
      // The write in progress and those queued behind it fail together (the connection is broken).
      for (const slice of batch.splice(0)) {
        this.unsent -= slice.bytes;
        slice.reject(e);
      }
    } finally {
      // Checked and closed with no await in between, so no write can join a finished batch.
      if (this.openBatch === batch) this.openBatch = null;
    }
  }

  /** Runs a write-side job in call order; later small writes must not join a batch queued before it. */
  private writeJob<T>(job: () => Promise<T>): Promise<T> {
    this.openBatch = null;
    this.writeJobs++;
    return (this.writeLane ??= new Lane()).run(job).finally(() => {
      if (--this.writeJobs === 0) this.writeLane = null;
    });
  }

  /**
   * One SSL_shutdown step, waited for: 0 after the first call has sent close_notify (the peer's has
   * not arrived), 1 once both close_notify alerts have been exchanged (or at once with quiet
   * shutdown). A second call waits for the peer's close_notify (S-9).
   */
  shutdown(): Promise<number> {
    return this.writeJob(() => this.drive(() => this.ssl.shutdown()));
  }

  /**
   * The bidirectional close: calls shutdown() until it returns 1, i.e. sends our close_notify and
   * waits for the peer's. Rejects if the peer sends application data first (S-10) or the
   * transport closes without close_notify.
   */
  async shutdownBoth(): Promise<void> {
    // The first step returns 0 at most twice (once per send attempt); the next one reads.
    for (let step = 0; step < 3; step++) {
      if ((await this.shutdown()) === 1) return;
    }
    throw new Error('shutdownBoth: shutdown() did not complete after three steps');
  }

  /**
   * SSL_key_update: sends a TLS 1.3 KeyUpdate (`requestPeer`: ask the peer to update its keys too)
   * and waits until it has been handed to the socket.
   */
  keyUpdate(requestPeer: boolean): Promise<void> {
    return this.writeJob(async () => {
      let first = true;
      // Repeating keyUpdate() would queue a second KeyUpdate; after WANT_WRITE only the flush is
      // repeated, which SSL_do_handshake on an established connection is (as in OpenSSL).
      await this.drive(() => {
        if (!first) return this.ssl.doHandshake();
        first = false;
        return this.ssl.keyUpdate(requestPeer);
      });
    });
  }

  /** Ends the TCP connection's write side (FIN) once queued bytes are sent; does not send close_notify. */
  close(): Promise<void> {
    return this.bio.endWrite();
  }

  /** Runs a job that neither reads nor writes may overlap with (the handshake does both). */
  private bothLanes<T>(job: () => Promise<T>): Promise<T> {
    return this.readLaneRun(() => this.writeJob(job));
  }

  /**
   * `drive` for a handshake. The records of the step that completes it (a client's last flight, a
   * server's tickets) are held until the current tick has run, where the BIO can (uncorkSoon), so
   * what the application writes as soon as the handshake resolves leaves with them in one writev:
   * one write system call less per connection, and the peer gets them in one segment. Steps that
   * wait for the peer, or fail, send their records at once.
   */
  private driveHandshake(op: () => number): Promise<number> {
    const bio = this.bio;
    if (bio.cork === undefined || bio.uncork === undefined || bio.uncorkSoon === undefined) return this.drive(op);
    return this.drive(() => {
      bio.cork!();
      let ret = -1;
      try {
        ret = op();
      } finally {
        if (ret > 0) bio.uncorkSoon!();
        else bio.uncork!();
      }
      return ret;
    });
  }

  /**
   * The retry loop. Returns the operation's result when it is > 0, or 0 for a clean 0 (shutdown's
   * first stage, or read's ZERO_RETURN). Waits on WANT_READ / WANT_WRITE and repeats.
   */
  private async drive(op: () => number, beforeWait?: () => void): Promise<number> {
    for (;;) {
      const ret = op();
      // getError first: the observer must not be able to disturb the call's error record.
      const code = this.ssl.getError(ret);
      this.onStep?.();
      if (ret > 0) return ret;
      if (code === SSL_ERROR_WANT_READ) {
        beforeWait?.();
        await this.bio.waitReadable();
        continue;
      }
      if (code === SSL_ERROR_WANT_WRITE) {
        beforeWait?.();
        await this.bio.waitWritable();
        continue;
      }
      if (ret === 0 && (code === SSL_ERROR_NONE || code === SSL_ERROR_ZERO_RETURN)) return 0;
      throw this.failure(code);
    }
  }

  private failure(code: SslErrorCode): SslError {
    const info: SslErrorInfo = this.ssl.getErrorInfo() ?? { code, reason: null, alert: null, message: 'the operation failed without details' };
    const cause = this.bio.error ?? undefined;
    // A peer that just closes its socket is the common case, not a fault of this program's.
    if (info.reason === Reason.SSL_R_UNEXPECTED_EOF_WHILE_READING) return withoutStackTrace(() => new SslError(info, cause));
    return new SslError(info, cause);
  }
}

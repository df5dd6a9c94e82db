/**
 * BIOs: the byte pipes an `Ssl` reads ciphertext from and writes ciphertext to, with OpenSSL's
 * three outcomes besides data: retry (try again later: `WANT_READ`/`WANT_WRITE`), EOF, and error.
 */

/** `read` found no data now but may later (OpenSSL: BIO_should_retry). */
export const BIO_RETRY = -1;
/** The BIO failed for good (a socket error). */
export const BIO_ERROR = -2;
/** `read`: the transport is closed for reading. */
export const BIO_EOF = 0;

/** A BIO. Both directions may be the same object (a socket) or different ones (memory BIOs). */
export interface Bio {
  /**
   * Up to `max` bytes (a non-empty array), or BIO_EOF, BIO_RETRY or BIO_ERROR. Must not return
   * more than `max` bytes: the `Ssl` reads records exactly, so bytes after the TLS stream stay in
   * the BIO for the application (STARTTLS-style reuse of the transport).
   */
  read(max: number): Uint8Array | typeof BIO_EOF | typeof BIO_RETRY | typeof BIO_ERROR;
  /** Accepts a prefix of `data`: the number of bytes taken (> 0), or BIO_RETRY (nothing taken), or BIO_ERROR. */
  write(data: Uint8Array): number;
  /** Bytes that can be read right now without waiting (BIO_ctrl_pending). */
  pending(): number;
  /**
   * True when the arrays `read()` returns are never modified afterwards (views of received chunks
   * that nobody writes to again). The `Ssl` may then decrypt records in place in them instead of
   * copying each record into its own buffer first.
   */
  readonly stableReads?: boolean;
  /**
   * Optional: hold writes until `uncork()`, so the pieces of one flush leave together (writev).
   * Calls nest: writes leave at the `uncork()` matching the first `cork()`.
   */
  cork?(): void;
  /** Optional: ends one `cork()`; the outermost sends what was held. */
  uncork?(): void;
}

/**
 * A non-blocking BIO over an event-driven transport (a Node socket, a pair of Web Streams) that
 * can say when to try again. The "blocking" `AsyncSsl` drives an `Ssl` over any such BIO.
 */
export interface WaitableBio extends Bio {
  /** Resolves when `read()` may return something other than BIO_RETRY. Never rejects. */
  waitReadable(): Promise<void>;
  /** Resolves when `write()` may take bytes again (or will report the error). Never rejects. */
  waitWritable(): Promise<void>;
  /**
   * `waitReadable` for callers that need no promise: calls `callback` once, synchronously from
   * the transport event that makes `read()` worth retrying, or in a microtask when it already is.
   * An idle connection's pending read then holds its callback and nothing else. With `arg` the
   * callback is called with it, so one function can serve every connection.
   */
  whenReadable(callback: () => void): void;
  whenReadable<T>(callback: (arg: T) => void, arg: T): void;
  /** `waitWritable` as `whenReadable` is `waitReadable`. */
  whenWritable(callback: () => void): void;
  whenWritable<T>(callback: (arg: T) => void, arg: T): void;
  /** Ends the transport's write side once queued bytes are out (TCP FIN). Never rejects. */
  endWrite(): Promise<void>;
  /** Tears the transport down at once; unsent bytes are dropped. */
  destroy(error?: Error): void;
  /** The transport error that made the BIO fail, if any. */
  readonly error: Error | null;
  /**
   * Optional: ends one `cork()` once the code running now, and the promise jobs it queues, have
   * run (in Node, at the next `process.nextTick`), so what a caller writes as soon as an
   * operation resolves leaves in the same writev as the records that operation wrote.
   */
  uncorkSoon?(): void;
}

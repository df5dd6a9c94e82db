import { BIO_EOF, BIO_ERROR, BIO_RETRY, type Bio } from './bio.js';

/** One direction of a pair: a bounded ring of bytes plus the writer's "no more data" mark. */
class Pipe {
  private buf: Uint8Array;
  private start = 0;
  private length = 0;
  closed = false;

  constructor(readonly capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  put(data: Uint8Array): number {
    const n = Math.min(data.length, this.capacity - this.length);
    for (let i = 0; i < n; i++) this.buf[(this.start + this.length + i) % this.capacity] = data[i]!;
    this.length += n;
    return n;
  }

  take(max: number): Uint8Array {
    const n = Math.min(max, this.length);
    const out = new Uint8Array(n);
    const first = Math.min(n, this.capacity - this.start);
    out.set(this.buf.subarray(this.start, this.start + first));
    if (n > first) out.set(this.buf.subarray(0, n - first), first);
    this.start = (this.start + n) % this.capacity;
    this.length -= n;
    return out;
  }
}

/**
 * One half of a BIO pair (OpenSSL BIO_s_bio): what one half writes, the other half reads. Each
 * direction has a bounded buffer, so a full buffer makes `write` return BIO_RETRY and the `Ssl`
 * reports `WANT_WRITE`; an empty one makes `read` return BIO_RETRY (`WANT_READ`) until the other
 * half calls `shutdownWr()`, after which an empty buffer reads as EOF (S-26).
 */
export class BioPairHalf implements Bio {
  constructor(
    private readonly incoming: Pipe,
    private readonly outgoing: Pipe,
  ) {}

  read(max: number): Uint8Array | typeof BIO_EOF | typeof BIO_RETRY {
    if (this.incoming.size === 0) return this.incoming.closed ? BIO_EOF : BIO_RETRY;
    return this.incoming.take(max);
  }

  write(data: Uint8Array): number {
    if (data.length === 0) return 0;
    // Like OpenSSL's BIO pair (BIO_R_BROKEN_PIPE): an error result, never an exception, so an
    // Ssl writing here reports SSL_ERROR_SYSCALL instead of throwing out of its API.
    if (this.outgoing.closed) return BIO_ERROR;
    const n = this.outgoing.put(data);
    return n === 0 ? BIO_RETRY : n;
  }

  pending(): number {
    return this.incoming.size;
  }

  /** Bytes written by this half that the other half has not read yet (BIO_ctrl_wpending). */
  writePending(): number {
    return this.outgoing.size;
  }

  /** Room left for writing (BIO_ctrl_get_write_guarantee). */
  writeGuarantee(): number {
    return this.outgoing.capacity - this.outgoing.size;
  }

  /** No more data from this half: the other half reads EOF once the buffer is empty (BIO_shutdown_wr). */
  shutdownWr(): void {
    this.outgoing.closed = true;
  }
}

/** A connected pair of BIO halves with `capacity` bytes of buffer in each direction (BIO_new_bio_pair). */
export class BioPair {
  readonly a: BioPairHalf;
  readonly b: BioPairHalf;

  constructor(capacity = 17 * 1024) {
    const ab = new Pipe(capacity);
    const ba = new Pipe(capacity);
    this.a = new BioPairHalf(ba, ab);
    this.b = new BioPairHalf(ab, ba);
  }
}

/**
 * A growable byte writer for building handshake messages and extensions. Length-prefixed
 * vectors are written by reserving the prefix, writing the body, then patching the length, so
 * no intermediate arrays are built.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  private vec(prefix: 1 | 2 | 3, body: (w: this) => void): this {
    const max = prefix === 1 ? 0xff : prefix === 2 ? 0xffff : 0xffffff;
    this.ensure(prefix);
    const at = this.pos;
    this.pos += prefix;
    body(this);
    const n = this.pos - at - prefix;
    if (n > max) throw new RangeError(`vector of ${n} bytes does not fit a ${prefix}-byte length`);
    for (let i = 0; i < prefix; i++) this.buf[at + i] = (n >>> (8 * (prefix - 1 - i))) & 0xff;
    return this;
  }

  /** A vector with a 1-byte length prefix, whose body `body` writes. */
  vec8(body: (w: this) => void): this {
    return this.vec(1, body);
  }

  /** A vector with a 2-byte length prefix, whose body `body` writes. */
  vec16(body: (w: this) => void): this {
    return this.vec(2, body);
  }

  /** A vector with a 3-byte length prefix, whose body `body` writes. */
  vec24(body: (w: this) => void): this {
    return this.vec(3, body);
  }

  /**
   * Shorthands for a length-prefixed byte string. Written directly rather than through `vec`:
   * they run several times per handshake message, and the closure `vec` needs is an allocation.
   */
  bytes8(v: Uint8Array): this {
    return this.prefixed(1, v);
  }
  bytes16(v: Uint8Array): this {
    return this.prefixed(2, v);
  }
  bytes24(v: Uint8Array): this {
    return this.prefixed(3, v);
  }

  private prefixed(prefix: 1 | 2 | 3, v: Uint8Array): this {
    const n = v.length;
    const max = prefix === 1 ? 0xff : prefix === 2 ? 0xffff : 0xffffff;
    if (n > max) throw new RangeError(`vector of ${n} bytes does not fit a ${prefix}-byte length`);
    this.ensure(prefix + n);
    const buf = this.buf;
    let at = this.pos;
    if (prefix === 3) buf[at++] = n >>> 16;
    if (prefix >= 2) buf[at++] = (n >>> 8) & 0xff;
    buf[at++] = n & 0xff;
    buf.set(v, at);
    this.pos = at + n;
    return this;
  }

  /**
   * The written bytes as a view, without copying: valid only until the next write (a write may
   * move the buffer). For digesting what was written before appending the digest.
   */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** The written bytes (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

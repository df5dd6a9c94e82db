import { decodeError } from './errors.js';

/**
 * A bounds-checked cursor over peer bytes. Every read checks the remaining length and throws a
 * `decode_error` TlsFailure instead of reading past the end, so a codec built on it cannot be
 * pushed out of bounds by a malformed message. Returned byte arrays are views, not copies.
 */
export class Reader {
  private pos: number;
  private readonly end: number;

  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    // Decoded fields are views of `buf`, and what the engine keeps of them it copies with slice().
    // A Node Buffer (received chunks, node:crypto output) overrides slice() to make another view,
    // which would keep the whole record or chunk alive and share its bytes: so fields are views
    // of a plain Uint8Array over the same memory.
    this.buf = Object.getPrototypeOf(buf) === Uint8Array.prototype ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Current offset from the start of the underlying array. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw decodeError(`truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v =
      this.buf[this.pos]! * 0x1000000 + ((this.buf[this.pos + 1]! << 16) | (this.buf[this.pos + 2]! << 8) | this.buf[this.pos + 3]!);
    this.pos += 4;
    return v;
  }

  /** `n` raw bytes, as a view. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** All remaining bytes, as a view. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** A vector with a 1-byte length prefix. */
  vec8(what = 'vector', min = 0, max = 0xff): Uint8Array {
    const n = this.u8(`${what} length`);
    if (n < min || n > max) throw decodeError(`${what} length ${n} outside [${min}, ${max}]`);
    return this.bytes(n, what);
  }

  /** A vector with a 2-byte length prefix. */
  vec16(what = 'vector', min = 0, max = 0xffff): Uint8Array {
    const n = this.u16(`${what} length`);
    if (n < min || n > max) throw decodeError(`${what} length ${n} outside [${min}, ${max}]`);
    return this.bytes(n, what);
  }

  /** A vector with a 3-byte length prefix. */
  vec24(what = 'vector', min = 0, max = 0xffffff): Uint8Array {
    const n = this.u24(`${what} length`);
    if (n < min || n > max) throw decodeError(`${what} length ${n} outside [${min}, ${max}]`);
    return this.bytes(n, what);
  }

  /** A sub-reader over a 1-byte-length-prefixed vector. */
  sub8(what = 'vector', min = 0, max = 0xff): Reader {
    const v = this.vec8(what, min, max);
    return new Reader(v);
  }

  /** A sub-reader over a 2-byte-length-prefixed vector. */
  sub16(what = 'vector', min = 0, max = 0xffff): Reader {
    const v = this.vec16(what, min, max);
    return new Reader(v);
  }

  /** A sub-reader over a 3-byte-length-prefixed vector. */
  sub24(what = 'vector', min = 0, max = 0xffffff): Reader {
    const v = this.vec24(what, min, max);
    return new Reader(v);
  }

  /** Throws decode_error if anything is left: every structure must be consumed exactly. */
  expectEnd(what = 'structure'): void {
    if (this.pos !== this.end) throw decodeError(`${this.end - this.pos} trailing bytes after ${what}`);
  }
}

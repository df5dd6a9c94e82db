import { AlertDescription, ContentType } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';

/** One record as framed on the wire. `fragment` and `header` are views valid until the next `push`. */
export interface RawRecord {
  type: number;
  version: number;
  /** The 5-byte record header (TLS 1.3 uses it as the AEAD additional data). */
  header: Uint8Array;
  fragment: Uint8Array;
}

/** Largest TLSCiphertext.fragment in TLS 1.3: 2^14 + 256 (RFC 8446 5.2). */
export const MAX_CIPHERTEXT_TLS13 = 16384 + 256;
/** Largest TLSCiphertext.fragment in TLS 1.2: 2^14 + 2048 (RFC 5246 6.2.3). */
export const MAX_CIPHERTEXT_TLS12 = 16384 + 2048;

/**
 * Splits an incoming byte stream into records. Bytes may arrive split and joined arbitrarily;
 * the buffer holds at most one partial record plus whatever the caller pushed at once, and is
 * compacted instead of concatenated, so memory stays bounded by the record size limit.
 */
export class Deframer {
  private buf = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** Upper bound on a record's fragment length; lowered to the TLS 1.3 limit once 1.3 is negotiated. */
  maxFragment = MAX_CIPHERTEXT_TLS12;

  /** Bytes buffered and not yet returned as records. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Bytes still missing for the next complete record: the rest of the header, then of the body. */
  needed(): number {
    const have = this.end - this.start;
    if (have < 5) return 5 - have;
    const length = (this.buf[this.start + 3]! << 8) | this.buf[this.start + 4]!;
    return Math.max(1, 5 + length - have);
  }

  /** Appends bytes read from the transport. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    const have = this.end - this.start;
    if (this.end + data.length > this.buf.length) {
      if (have + data.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(have + data.length, Math.min(this.buf.length * 2, 1 << 20), 4096));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = have;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /**
   * The next complete record, or null when more bytes are needed. Throws a TlsFailure for a
   * header that cannot start a TLS record, so garbage is rejected after 5 bytes rather than
   * after waiting for a bogus length.
   */
  next(): RawRecord | null {
    const have = this.end - this.start;
    if (have < 5) {
      if (have > 0) this.checkType(this.buf[this.start]!);
      return null;
    }
    const b = this.buf;
    const s = this.start;
    const type = b[s]!;
    this.checkType(type);
    const version = (b[s + 1]! << 8) | b[s + 2]!;
    if (b[s + 1] !== 0x03) {
      throw new TlsFailure(AlertDescription.protocol_version, Reason.SSL_R_WRONG_VERSION_NUMBER, `record version 0x${version.toString(16)} is not TLS`);
    }
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    if (length > this.maxFragment) {
      throw new TlsFailure(AlertDescription.record_overflow, Reason.SSL_R_ENCRYPTED_LENGTH_TOO_LONG, `record of ${length} bytes exceeds ${this.maxFragment}`);
    }
    if (have < 5 + length) return null;
    this.start += 5 + length;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    return { type, version, header: b.subarray(s, s + 5), fragment: b.subarray(s + 5, s + 5 + length) };
  }

  private checkType(type: number): void {
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      // The classic case is a plaintext protocol (HTTP, SMTP banner) talking to a TLS port.
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_WRONG_VERSION_NUMBER, `byte 0x${type.toString(16)} cannot start a TLS record`);
    }
  }
}

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
const EMPTY = new Uint8Array(0);

export class Deframer {
  private buf = EMPTY;
  private start = 0;
  private end = 0;
  /**
   * Borrowed bytes not yet returned as records (see push with `stable`); only ever set while the
   * own buffer is empty, so exactly one of the two holds the unread bytes.
   */
  private view: Uint8Array | null = null;
  /** Records returned so far: the first one is judged differently when it is not TLS at all. */
  private records: number;
  /** Upper bound on a record's fragment length; lowered to the TLS 1.3 limit once 1.3 is negotiated. */
  maxFragment: number;

  /**
   * @param maxFragment the record size limit (the TLS 1.2 one until 1.3 is negotiated)
   * @param recordsSeen a deframer made for a connection that has received records already (its
   *   holder drops an idle one and makes it again with the next bytes)
   */
  constructor(maxFragment: number = MAX_CIPHERTEXT_TLS12, recordsSeen = false) {
    this.maxFragment = maxFragment;
    this.records = recordsSeen ? 1 : 0;
  }

  /** Whether a record has been returned (by this deframer or, see the constructor, an earlier one). */
  get recordsSeen(): boolean {
    return this.records > 0;
  }

  /** Bytes buffered and not yet returned as records. */
  get buffered(): number {
    return this.end - this.start + (this.view?.length ?? 0);
  }

  /** Bytes still missing for the next complete record: the rest of the header, then of the body. */
  needed(): number {
    const v = this.view;
    const b = v ?? this.buf;
    const s = v ? 0 : this.start;
    const have = v ? v.length : this.end - this.start;
    if (have < 5) return 5 - have;
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    return Math.max(1, 5 + length - have);
  }

  /**
   * Appends bytes read from the transport. With `stable` (the caller never modifies `data` later)
   * and nothing in the own buffer, `data` is kept as it is, and bytes that continue it in the same
   * memory (the next read of the same received chunk) extend it: a record read as header then
   * body from one socket chunk is handed out without being copied. Anything else is copied.
   */
  push(data: Uint8Array, stable = false): void {
    if (data.length === 0) return;
    if (stable && this.end === this.start) {
      const v = this.view;
      if (v === null) {
        this.view = data;
        return;
      }
      if (v.buffer === data.buffer && v.byteOffset + v.length === data.byteOffset) {
        this.view = new Uint8Array(v.buffer, v.byteOffset, v.length + data.length);
        return;
      }
    }
    if (this.view !== null) {
      const v = this.view;
      this.view = null;
      this.copyIn(v);
    }
    this.copyIn(data);
  }

  private copyIn(data: Uint8Array): void {
    const have = this.end - this.start;
    if (this.end + data.length > this.buf.length) {
      if (have + data.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        // Room for the whole record that is starting, if its header is here, so a record read as
        // header then body (the Ssl reads exactly) is one allocation after release().
        const next = new Uint8Array(Math.max(have + data.length, this.recordEnd(data), Math.min(this.buf.length * 2, 1 << 20), 256));
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
   * Drops the buffer when it holds no partial record: called when the transport has nothing more
   * for now, so an idle connection keeps no receive buffer (a record-sized one comes back with the
   * next bytes). Like OpenSSL's SSL_MODE_RELEASE_BUFFERS.
   */
  release(): void {
    if (this.view !== null) {
      // A partial record borrowed from a transport chunk would keep the whole chunk alive: keep
      // a copy of just its bytes instead.
      const v = this.view;
      this.view = null;
      this.copyIn(v);
      return;
    }
    if (this.start === this.end && this.buf.length > 0) {
      this.buf = EMPTY;
      this.start = 0;
      this.end = 0;
    }
  }

  /** Buffered bytes plus the rest of the record whose header is in `buffered + data`, when known and sane. */
  private recordEnd(data: Uint8Array): number {
    const have = this.end - this.start;
    if (have + data.length < 5) return 0;
    const at = (i: number): number => (i < have ? this.buf[this.start + i]! : data[i - have]!);
    const length = (at(3) << 8) | at(4);
    // A bogus length is refused by next(); do not allocate for it.
    return length <= this.maxFragment ? 5 + length : 0;
  }

  /**
   * The next complete record, or null when more bytes are needed. Throws a TlsFailure for a
   * header that cannot start a TLS record as soon as the 5 header bytes are in, rather than after
   * waiting for a bogus length. The whole header is awaited first because its version bytes tell
   * a stray non-TLS peer (which gets no alert) from a TLS peer sending a bad type.
   */
  next(): RawRecord | null {
    const v = this.view;
    const have = v ? v.length : this.end - this.start;
    if (have < 5) return null;
    const b = v ?? this.buf;
    const s = v ? 0 : this.start;
    const type = b[s]!;
    const version = (b[s + 1]! << 8) | b[s + 2]!;
    if (b[s + 1] !== 0x03) throw this.notTls(version);
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      // RFC 8446 5: an unexpected record type is unexpected_message.
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_BAD_RECORD_TYPE, `record content type ${type}`);
    }
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    if (length > this.maxFragment) {
      throw new TlsFailure(AlertDescription.record_overflow, Reason.SSL_R_ENCRYPTED_LENGTH_TOO_LONG, `record of ${length} bytes exceeds ${this.maxFragment}`);
    }
    if (have < 5 + length) return null;
    if (v) this.view = have === 5 + length ? null : v.subarray(5 + length);
    else {
      this.start += 5 + length;
      if (this.start === this.end) {
        this.start = 0;
        this.end = 0;
      }
    }
    this.records++;
    return { type, version, header: b.subarray(s, s + 5), fragment: b.subarray(s + 5, s + 5 + length) };
  }

  /**
   * A header whose version is not 3.x. As the very first record it means the peer does not speak
   * TLS at all (an HTTP client on the TLS port, an SMTP banner): like OpenSSL, name the common
   * cases and send no alert, since the peer could not read one. Later it is a TLS peer gone wrong.
   */
  private notTls(version: number): TlsFailure {
    if (this.records > 0) {
      return new TlsFailure(AlertDescription.protocol_version, Reason.SSL_R_WRONG_VERSION_NUMBER, `record version 0x${version.toString(16)} is not TLS`);
    }
    const head = String.fromCharCode(...(this.view ?? this.buf.subarray(this.start)).subarray(0, 5));
    if (HTTP_METHODS.some((m) => head.startsWith(m))) {
      return new TlsFailure(null, Reason.SSL_R_HTTP_REQUEST, 'the peer sent an HTTP request to a TLS port');
    }
    if (head === 'CONNE') {
      return new TlsFailure(null, Reason.SSL_R_HTTPS_PROXY_REQUEST, 'the peer sent an HTTP proxy request to a TLS port');
    }
    return new TlsFailure(null, Reason.SSL_R_WRONG_VERSION_NUMBER, `the first record (version 0x${version.toString(16)}) is not TLS`);
  }
}

/** Request lines OpenSSL recognises as HTTP on a TLS port. */
const HTTP_METHODS = ['GET ', 'POST ', 'HEAD ', 'PUT '];

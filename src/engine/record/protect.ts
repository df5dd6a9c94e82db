import type { Aead } from '../../crypto/provider.js';
import { AlertDescription, ContentType } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import { concatBytes } from '../bytes.js';
import { NONCE_LENGTH, PackedIv } from './nonce.js';

/**
 * Record protection for one direction and one key, whatever the version, so the connection can
 * hold either a TLS 1.3 or a TLS 1.2 instance.
 */
export interface RecordProtection {
  /**
   * TLS 1.2 protects every record type under its real outer type; TLS 1.3 hides the type and
   * sends only application_data outside (RFC 8446 5.2). Records of other outer types are then
   * plaintext (or an error).
   */
  readonly outerTypeIsReal: boolean;
  /** Protects one record: returns the whole TLSCiphertext (header included). */
  seal(type: number, content: Uint8Array): Uint8Array;
  /**
   * Protects one record and returns it as pieces in wire order (header first), without joining
   * them: what the connection sends, so a full record's ciphertext is never copied into a second
   * buffer (a corked socket gathers the pieces in one writev). `seal` is their concatenation.
   */
  sealParts(type: number, content: Uint8Array): Uint8Array[];
  /** Removes protection from one record as framed; returns the real content type and content. */
  open(header: Uint8Array, fragment: Uint8Array): { type: number; content: Uint8Array };
  /** Forgets the last failed `open`, so a skipped record does not consume a sequence number. */
  undoLastOpen(): void;
  /**
   * Lowers the largest plaintext `open` accepts to a record_size_limit we advertised and the peer
   * accepted (RFC 8449 4): TLS 1.3 counts the whole TLSInnerPlaintext (type byte and padding
   * included), TLS 1.2 the plaintext. A larger record is then record_overflow.
   */
  limitReceivedPlaintext(limit: number): void;
}

/** The one-byte trailers of unpadded records, per content type (never modified). */
const TYPE_TRAILERS: readonly Uint8Array[] = Array.from({ length: 256 }, (_, t) => Uint8Array.of(t));

/** TLSInnerPlaintext's tail: the content type, then `padding` zero bytes. */
function innerTrailer(type: number, padding: number): Uint8Array {
  const t = new Uint8Array(1 + padding);
  t[0] = type;
  return t;
}

/** `iv` if it is a TLS 1.3 record IV (RFC 8446 5.3: the AEAD's nonce length). */
function checkedIv13(iv: Uint8Array): Uint8Array {
  if (iv.length !== NONCE_LENGTH) throw new RangeError(`TLS 1.3 record IV must be ${NONCE_LENGTH} bytes, got ${iv.length}`);
  return iv;
}

/** Largest TLSInnerPlaintext (content + type byte + padding): 2^14 + 1 (RFC 8446 5.4). */
const MAX_INNER_PLAINTEXT = 16384 + 1;

/**
 * TLS 1.3 record protection for one direction and one traffic secret (RFC 8446 5.2, 5.3):
 * per-record nonce = IV xor 64-bit sequence number, inner content type, zero padding. A new
 * instance is made for every key change, so the sequence number starts at zero with each key.
 */
export class RecordProtection13 extends PackedIv implements RecordProtection {
  /** TLS 1.3 hides the real type (a getter: a field would cost each connection's two protections 8 bytes each). */
  get outerTypeIsReal(): boolean {
    return false;
  }

  private seq = 0;
  private readonly aead: Aead;
  private maxInner = MAX_INNER_PLAINTEXT;

  constructor(aead: Aead, iv: Uint8Array) {
    super(checkedIv13(iv));
    this.aead = aead;
  }

  /** Records protected so far with this key (the next sequence number). */
  get sequence(): number {
    return this.seq;
  }

  /** The nonce of the next record (RFC 8446 5.3), in the shared scratch (see nonce.ts). */
  private nextNonce(): Uint8Array {
    return this.sequenceNonce(this.seq++);
  }

  limitReceivedPlaintext(limit: number): void {
    this.maxInner = Math.min(MAX_INNER_PLAINTEXT, limit);
  }

  /** Forgets the last failed `open`, so a skipped record does not consume a sequence number. */
  undoLastOpen(): void {
    this.seq--;
  }

  /** Protects one record: returns the whole TLSCiphertext (header included). */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    return concatBytes(...this.sealParts(type, content, padding));
  }

  /** Protects one record as pieces: header, then the AEAD's output (see RecordProtection). */
  sealParts(type: number, content: Uint8Array, padding = 0): Uint8Array[] {
    const innerLength = content.length + 1 + padding;
    const length = innerLength + this.aead.tagLength;
    // A fresh header per record: the pieces are queued, and the AAD buffer is reused.
    const header = Uint8Array.of(ContentType.application_data, 0x03, 0x03, length >>> 8, length & 0xff);
    if (this.aead.sealParts) {
      // The content is encrypted where it is, followed by the type byte and padding: no copy.
      const trailer = padding === 0 ? (TYPE_TRAILERS[type] ?? Uint8Array.of(type)) : innerTrailer(type, padding);
      const [body, tail] = this.aead.sealParts(this.nextNonce(), header, content, trailer);
      return [header, body, tail];
    }
    const inner = new Uint8Array(innerLength);
    inner.set(content);
    inner[content.length] = type;
    return [this.aead.seal(this.nextNonce(), header, inner, header)];
  }

  /**
   * Removes protection from one record (header and fragment as framed). Returns the real content
   * type and content. Fails with bad_record_mac when authentication fails, record_overflow when the
   * plaintext is too long, unexpected_message when the padding hides no content type.
   */
  open(header: Uint8Array, fragment: Uint8Array): { type: number; content: Uint8Array } {
    if (fragment.length < this.aead.tagLength + 1) {
      throw new TlsFailure(AlertDescription.bad_record_mac, Reason.SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, 'record shorter than the AEAD tag');
    }
    const inner = this.aead.open(this.nextNonce(), header, fragment);
    if (inner === null) {
      throw new TlsFailure(AlertDescription.bad_record_mac, Reason.SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, 'record authentication failed');
    }
    if (inner.length > this.maxInner) {
      throw new TlsFailure(AlertDescription.record_overflow, Reason.SSL_R_DATA_LENGTH_TOO_LONG, `decrypted record of ${inner.length} bytes exceeds ${this.maxInner}`);
    }
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_RECORD, 'record with no non-zero content type');
    }
    return { type: inner[i]!, content: inner.subarray(0, i) };
  }
}

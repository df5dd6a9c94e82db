import type { Aead } from '../../crypto/provider.js';
import { AlertDescription } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import { concatBytes } from '../bytes.js';
import { PackedIv, tls12Aad } from './nonce.js';
import type { RecordProtection } from './protect.js';

/** Largest TLS 1.2 plaintext fragment: 2^14 (RFC 5246 6.2.1). */
const MAX_PLAINTEXT = 16384;
/** Length of the explicit nonce AES-GCM carries in each record (RFC 5288 3). */
const EXPLICIT_NONCE_LENGTH = 8;
const EMPTY = new Uint8Array(0);

/** `iv` if it is a TLS 1.2 AEAD fixed IV: 4 bytes (AES-GCM, RFC 5288) or 12 (ChaCha20-Poly1305, RFC 7905). */
function checkedIv12(iv: Uint8Array): Uint8Array {
  if (iv.length !== 4 && iv.length !== 12) throw new RangeError(`TLS 1.2 AEAD fixed IV must be 4 or 12 bytes, got ${iv.length}`);
  return iv;
}

/**
 * TLS 1.2 AEAD record protection for one direction and one key (RFC 5246 6.2.3.3):
 *
 * - AES-GCM (RFC 5288): nonce = 4-byte fixed IV || 8-byte explicit nonce; the explicit nonce is
 *   sent at the front of each record. We use the sequence number as explicit nonce, which is
 *   unique per key as required (and what OpenSSL, NSS and Go do).
 * - ChaCha20-Poly1305 (RFC 7905): nonce = 12-byte IV xor the padded sequence number; nothing
 *   explicit on the wire.
 *
 * AAD = seq_num || type || version || plaintext length. The outer content type is the real one.
 * A new instance is made at each ChangeCipherSpec, so sequence numbers start at zero.
 */
export class RecordProtection12 extends PackedIv implements RecordProtection {
  /** TLS 1.2 sends every record under its real type (a getter, as in RecordProtection13). */
  get outerTypeIsReal(): boolean {
    return true;
  }

  private seq = 0;
  private readonly explicit: boolean;
  private readonly aead: Aead;
  private maxPlaintext = MAX_PLAINTEXT;

  /**
   * @param aead keyed AEAD for this direction
   * @param iv the fixed IV from the key block: 4 bytes selects the AES-GCM construction, 12 bytes the ChaCha20-Poly1305 one
   */
  constructor(aead: Aead, iv: Uint8Array) {
    super(checkedIv12(iv));
    this.aead = aead;
    this.explicit = iv.length === 4;
  }

  /** Records protected so far with this key (the next sequence number). */
  get sequence(): number {
    return this.seq;
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    return concatBytes(...this.sealParts(type, content));
  }

  /** Protects one record as pieces: header and explicit nonce, then the AEAD's output (see RecordProtection). */
  sealParts(type: number, content: Uint8Array): Uint8Array[] {
    if (content.length > MAX_PLAINTEXT) throw new RangeError(`TLS 1.2 record plaintext of ${content.length} bytes exceeds 2^14`);
    const prefixLength = 5 + (this.explicit ? EXPLICIT_NONCE_LENGTH : 0);
    const length = prefixLength - 5 + content.length + this.aead.tagLength;
    const prefix = new Uint8Array(prefixLength);
    prefix[0] = type;
    prefix[1] = 0x03;
    prefix[2] = 0x03;
    prefix[3] = length >>> 8;
    prefix[4] = length & 0xff;
    // With a 4-byte IV the sequence number is the explicit nonce, sent in front of the record.
    const nonce = this.sequenceNonce(this.seq);
    if (this.explicit) prefix.set(nonce.subarray(4), 5);
    const aad = tls12Aad(this.seq, type, 0x03, 0x03, content.length);
    this.seq++;
    if (this.aead.sealParts) {
      const [body, tag] = this.aead.sealParts(nonce, aad, content, EMPTY);
      return [prefix, body, tag];
    }
    return [this.aead.seal(nonce, aad, content, prefix)];
  }

  open(header: Uint8Array, fragment: Uint8Array): { type: number; content: Uint8Array } {
    const overhead = (this.explicit ? EXPLICIT_NONCE_LENGTH : 0) + this.aead.tagLength;
    if (fragment.length < overhead) {
      throw new TlsFailure(AlertDescription.bad_record_mac, Reason.SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, 'record shorter than the AEAD overhead');
    }
    const plaintextLength = fragment.length - overhead;
    if (plaintextLength > this.maxPlaintext) {
      // RFC 5246 6.2.3: ciphertext longer than 2^14 + 2048 is caught by the deframer; a decrypted
      // fragment over 2^14 is record_overflow. Checked before decrypting: the length is public.
      throw new TlsFailure(AlertDescription.record_overflow, Reason.SSL_R_DATA_LENGTH_TOO_LONG, `TLS 1.2 record of ${plaintextLength} plaintext bytes exceeds ${this.maxPlaintext}`);
    }
    const nonce = this.explicit ? this.explicitNonce(fragment.subarray(0, EXPLICIT_NONCE_LENGTH)) : this.sequenceNonce(this.seq);
    const type = header[0]!;
    const aad = tls12Aad(this.seq, type, header[1]!, header[2]!, plaintextLength);
    this.seq++;
    const content = this.aead.open(nonce, aad, this.explicit ? fragment.subarray(EXPLICIT_NONCE_LENGTH) : fragment);
    if (content === null) {
      throw new TlsFailure(AlertDescription.bad_record_mac, Reason.SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC, 'record authentication failed');
    }
    return { type, content };
  }

  limitReceivedPlaintext(limit: number): void {
    this.maxPlaintext = Math.min(MAX_PLAINTEXT, limit);
  }

  undoLastOpen(): void {
    this.seq--;
  }
}

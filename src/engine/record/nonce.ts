/**
 * Per-record AEAD nonces and additional data without a typed array per key.
 *
 * Every idle connection holds two record protections, and in V8 each typed array costs about 100
 * bytes of JS heap and its ArrayBuffer about 90 more, however small. So a protection keeps its IV
 * as four small integers (fields of its own: see PackedIv), and nonces and AADs are
 * built in scratch buffers shared by all connections: an AEAD reads them during the call only
 * (the Aead contract in crypto/provider.ts), and the record layer is never re-entered meanwhile.
 */

/** Nonce length of every AEAD the record layer uses (RFC 8446 5.3; RFC 5288 3; RFC 7905 2). */
export const NONCE_LENGTH = 12;

const nonceScratch = new Uint8Array(NONCE_LENGTH);
const aadScratch = new Uint8Array(13);

/** Writes the 64-bit big-endian `seq` into `out` at `at`, XORed into what is there when `xor` (exact below 2^53). */
function putSeq(out: Uint8Array, at: number, seq: number, xor: boolean): void {
  let lo = seq >>> 0;
  let hi = Math.floor(seq / 0x100000000);
  for (let i = 7; i >= 4; i--) {
    out[at + i] = (xor ? out[at + i]! : 0) ^ (lo & 0xff);
    lo >>>= 8;
    out[at + i - 4] = (xor ? out[at + i - 4]! : 0) ^ (hi & 0xff);
    hi >>>= 8;
  }
}

/**
 * A record IV of up to 12 bytes (12 in TLS 1.3 and TLS 1.2 ChaCha20; 4 in TLS 1.2 AES-GCM),
 * zero-padded, as four big-endian 24-bit words in the object's own fields, and the nonces made
 * from it. The record protections extend this class, so that their IV is part of them: an
 * array of four numbers was two more objects (about 80 bytes) per protection, two per connection.
 */
export class PackedIv {
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;

  constructor(iv: Uint8Array) {
    if (iv.length > NONCE_LENGTH) throw new RangeError(`record IV of ${iv.length} bytes exceeds ${NONCE_LENGTH}`);
    const word = (i: number): number => ((iv[i] ?? 0) << 16) | ((iv[i + 1] ?? 0) << 8) | (iv[i + 2] ?? 0);
    this.w0 = word(0);
    this.w1 = word(3);
    this.w2 = word(6);
    this.w3 = word(9);
  }

  /** The IV, zero-padded, in the nonce scratch. */
  private writeIv(): Uint8Array {
    const n = nonceScratch;
    putWord(n, 0, this.w0);
    putWord(n, 3, this.w1);
    putWord(n, 6, this.w2);
    putWord(n, 9, this.w3);
    return n;
  }

  /**
   * The nonce of record `seq`: the zero-padded IV XOR the 64-bit sequence number in its last eight
   * bytes. That is TLS 1.3's (RFC 8446 5.3) and TLS 1.2 ChaCha20-Poly1305's (RFC 7905 2); with a
   * 4-byte IV it is TLS 1.2 AES-GCM's fixed IV || sequence number as explicit nonce (RFC 5288 3).
   * Valid until the next call.
   */
  sequenceNonce(seq: number): Uint8Array {
    const n = this.writeIv();
    putSeq(n, 4, seq, true);
    return n;
  }

  /** TLS 1.2 AES-GCM's nonce for a received record: the 4-byte fixed IV || the record's explicit nonce. Valid until the next call. */
  explicitNonce(explicit: Uint8Array): Uint8Array {
    const n = this.writeIv();
    n.set(explicit, 4);
    return n;
  }
}

function putWord(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 16;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = v & 0xff;
}

/** TLS 1.2's additional data (RFC 5246 6.2.3.3): seq_num || type || version || length. Valid until the next call. */
export function tls12Aad(seq: number, type: number, version0: number, version1: number, length: number): Uint8Array {
  const a = aadScratch;
  putSeq(a, 0, seq, false);
  a[8] = type;
  a[9] = version0;
  a[10] = version1;
  a[11] = length >>> 8;
  a[12] = length & 0xff;
  return a;
}

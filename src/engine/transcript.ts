import type { CryptoProvider, Hash, HashAlgorithm } from '../crypto/provider.js';
import { HandshakeType } from '../wire/enums.js';
import { concatBytes } from './bytes.js';

/**
 * The running transcript hash (RFC 8446 4.4.1). The hash function is known only once the cipher
 * suite is chosen, so messages are buffered until `start()` names it. After a HelloRetryRequest the
 * first ClientHello is replaced by a synthetic message_hash message.
 */
export class Transcript {
  private hash: Hash | null = null;
  private algorithm: HashAlgorithm | null = null;
  /** Messages added before `start()` (null when there are none: after it, an idle connection holds no array). */
  private buffered: Uint8Array[] | null = null;
  /** The raw messages added since `keepMessages()`, or null when not keeping them. */
  private kept: Uint8Array[] | null = null;
  private released = false;
  /**
   * The digest `current()` last returned, until the next message is added: a handshake asks twice
   * for the same point (after the server Finished: the application secrets and the peer's
   * Finished, or our own), and each answer is a native hash copy and digest.
   */
  private lastDigest: Uint8Array | null = null;

  /** `provider` is null only for {@link RELEASED_TRANSCRIPT}, which never hashes. */
  constructor(private readonly provider: CryptoProvider | null) {}

  /**
   * Drops the running hash once the handshake is over (nothing after it is hashed: TLS 1.3
   * post-handshake messages and TLS 1.2 application data are outside the transcript), so an idle
   * connection does not keep a native hash context. Later `add()` calls are ignored.
   */
  release(): void {
    this.hash = null;
    this.buffered = null;
    this.kept = null;
    this.released = true;
    this.lastDigest = null;
  }

  /** Whether the hash function has been chosen. */
  get started(): boolean {
    return this.hash !== null;
  }

  /** Chooses the hash function and hashes any buffered messages. */
  start(algorithm: HashAlgorithm): void {
    if (this.hash) return;
    if (this.released || !this.provider) throw new Error('transcript hash started after the handshake released it');
    this.algorithm = algorithm;
    this.hash = this.provider.createHash(algorithm);
    for (const m of this.buffered ?? []) this.hash.update(m);
    this.buffered = null;
  }

  /** Adds a whole handshake message (header and body) as sent or received. */
  add(raw: Uint8Array): void {
    if (this.released) return;
    this.lastDigest = null;
    if (this.hash) this.hash.update(raw);
    else (this.buffered ??= []).push(raw);
    this.kept?.push(raw);
  }

  /**
   * From now on also keeps the raw messages: a TLS 1.2 CertificateVerify signs the handshake
   * messages themselves, hashed with the signature scheme's hash, which need not be the PRF's
   * (RFC 5246 7.4.8).
   */
  keepMessages(): void {
    if (!this.released) this.kept ??= [];
  }

  /** The messages added since `keepMessages()`, joined (empty when not keeping them). */
  keptMessages(): Uint8Array {
    return concatBytes(...(this.kept ?? []));
  }

  /** Stops keeping raw messages and lets the kept ones go. */
  dropKeptMessages(): void {
    this.kept = null;
  }

  /** Hash of everything added so far; the transcript keeps running. Callers must not modify it (it may be shared with the previous caller). */
  current(): Uint8Array {
    if (!this.hash) throw new Error(this.released ? 'transcript hash used after the handshake released it' : 'transcript hash used before the cipher suite was chosen');
    return (this.lastDigest ??= this.hash.copy().digest());
  }

  /**
   * Hash of everything added so far followed by `extra`, without adding it: the PSK binder hash
   * over the truncated ClientHello (RFC 8446 4.2.11.2). Before `start()` the buffered messages are
   * hashed with `algorithm`.
   */
  hashWith(extra: Uint8Array, algorithm: HashAlgorithm): Uint8Array {
    if (this.hash) {
      if (algorithm !== this.algorithm) throw new Error(`transcript runs ${this.algorithm}, not ${algorithm}`);
      const h = this.hash.copy();
      h.update(extra);
      return h.digest();
    }
    if (this.released || !this.provider) throw new Error('transcript hash used after the handshake released it');
    const h = this.provider.createHash(algorithm);
    for (const m of this.buffered ?? []) h.update(m);
    h.update(extra);
    return h.digest();
  }

  /**
   * RFC 8446 4.4.1: on HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
   */
  replaceWithMessageHash(): void {
    if (!this.hash || !this.algorithm) throw new Error('transcript not started');
    const digest = this.hash.digest();
    this.lastDigest = null;
    this.hash = this.provider!.createHash(this.algorithm);
    const header = new Uint8Array([HandshakeType.message_hash, 0, 0, digest.length]);
    this.hash.update(header);
    this.hash.update(digest);
  }
}

/**
 * What a connection's transcript becomes once its handshake is over: a released transcript holds
 * nothing (see {@link Transcript.release}), so this one serves every connection, instead of one
 * empty object each.
 */
export const RELEASED_TRANSCRIPT: Transcript = new Transcript(null);
RELEASED_TRANSCRIPT.release();

import type { CryptoProvider, HashAlgorithm, HmacKey } from './provider.js';

/** `provider`'s prepared form of `key`, or an UnpreparedHmacKey where it has none (hmacKey is optional). */
export function preparedHmacKey(provider: CryptoProvider, hash: HashAlgorithm, key: Uint8Array): HmacKey {
  return provider.hmacKey?.(hash, key) ?? new UnpreparedHmacKey(provider, hash, key);
}

/**
 * An HmacKey for a hash with no prepared form in a provider (SHA-384 in both, and every hash of a
 * provider without hmacKey): each use is a whole HMAC or HKDF-Expand through the provider, under
 * a copy of the key taken when it was made.
 */
export class UnpreparedHmacKey implements HmacKey {
  private readonly key: Uint8Array;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly hash: HashAlgorithm,
    key: Uint8Array,
  ) {
    // A copy (not `key.slice()`: on a Node Buffer that is a view of the same memory).
    this.key = new Uint8Array(key);
  }

  mac(data: Uint8Array): Uint8Array {
    return this.provider.hmac(this.hash, this.key, data);
  }

  expand(info: Uint8Array, length: number): Uint8Array {
    return this.provider.hkdfExpand(this.hash, this.key, info, length);
  }
}

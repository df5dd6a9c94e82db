/**
 * Which TLS SignatureScheme goes with which key, as pure data. Both crypto providers and the
 * handshake engine use this, so "can this key sign with that scheme" has one answer everywhere.
 * No `node:` imports: this file must also load in browsers.
 */
import { SignatureScheme } from '../wire/enums.js';
import type { HashAlgorithm, KeyType, PrivateKey, PublicKey } from './provider.js';

/** What a signature scheme needs from a key and how it signs. */
export interface SchemeInfo {
  /** The TLS code point. */
  readonly scheme: number;
  /** The key type the scheme is defined for (rsae schemes need rsaEncryption keys, pss schemes RSASSA-PSS keys). */
  readonly keyType: KeyType;
  /** For ECDSA in TLS 1.3: the curve the key must be on ('P-256' | 'P-384' | 'P-521'). */
  readonly curve?: string;
  /** The message digest, or null for schemes that hash internally (Ed25519). */
  readonly hash: HashAlgorithm | null;
  /** RSA padding: 'pss' (salt length = hash length, MGF1 with the same hash) or 'pkcs1' (v1.5). */
  readonly padding?: 'pss' | 'pkcs1';
  /** False for schemes TLS 1.3 forbids in handshake signatures (RSASSA-PKCS1-v1_5, RFC 8446 4.2.3). */
  readonly tls13: boolean;
}

const HASH_LEN: Record<HashAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

const S = SignatureScheme;
const infos: SchemeInfo[] = [
  { scheme: S.ecdsa_secp256r1_sha256, keyType: 'ec', curve: 'P-256', hash: 'sha256', tls13: true },
  { scheme: S.ecdsa_secp384r1_sha384, keyType: 'ec', curve: 'P-384', hash: 'sha384', tls13: true },
  { scheme: S.ecdsa_secp521r1_sha512, keyType: 'ec', curve: 'P-521', hash: 'sha512', tls13: true },
  { scheme: S.rsa_pss_rsae_sha256, keyType: 'rsa', hash: 'sha256', padding: 'pss', tls13: true },
  { scheme: S.rsa_pss_rsae_sha384, keyType: 'rsa', hash: 'sha384', padding: 'pss', tls13: true },
  { scheme: S.rsa_pss_rsae_sha512, keyType: 'rsa', hash: 'sha512', padding: 'pss', tls13: true },
  { scheme: S.rsa_pss_pss_sha256, keyType: 'rsa-pss', hash: 'sha256', padding: 'pss', tls13: true },
  { scheme: S.rsa_pss_pss_sha384, keyType: 'rsa-pss', hash: 'sha384', padding: 'pss', tls13: true },
  { scheme: S.rsa_pss_pss_sha512, keyType: 'rsa-pss', hash: 'sha512', padding: 'pss', tls13: true },
  { scheme: S.ed25519, keyType: 'ed25519', hash: null, tls13: true },
  { scheme: S.rsa_pkcs1_sha256, keyType: 'rsa', hash: 'sha256', padding: 'pkcs1', tls13: false },
  { scheme: S.rsa_pkcs1_sha384, keyType: 'rsa', hash: 'sha384', padding: 'pkcs1', tls13: false },
  { scheme: S.rsa_pkcs1_sha512, keyType: 'rsa', hash: 'sha512', padding: 'pkcs1', tls13: false },
];
const byScheme = new Map(infos.map((i) => [i.scheme, i]));

/** What typessl knows about a signature scheme, or undefined for one it does not implement. */
export function schemeInfo(scheme: number): SchemeInfo | undefined {
  return byScheme.get(scheme);
}

/**
 * The digest a scheme signs with; null for Ed25519 (which hashes internally) and for schemes
 * typessl does not implement (check `schemeInfo` first when the difference matters).
 */
export function schemeHash(scheme: number): HashAlgorithm | null {
  return byScheme.get(scheme)?.hash ?? null;
}

/**
 * An RSASSA-PSS key may carry parameters in its AlgorithmIdentifier that pin the digest. Providers
 * expose that as an optional `pssHash` on the key object; the base interfaces do not declare it
 * because only RSASSA-PSS keys ever have it.
 */
function pinnedPssHash(key: PrivateKey | PublicKey): unknown {
  return (key as { readonly pssHash?: unknown }).pssHash;
}

/**
 * Whether `key` can make or check signatures with `scheme`. Follows RFC 8446 4.2.3: the ECDSA
 * schemes name the curve, rsae schemes need an rsaEncryption key and pss schemes an RSASSA-PSS
 * key (with `tls12` true the ECDSA curve is not checked). RSA keys too short for PSS with the scheme's hash (emLen < 2*hLen + 2) are refused here
 * rather than failing inside the signer.
 */
export function schemeMatchesKey(scheme: number, key: PrivateKey | PublicKey, tls12 = false): boolean {
  const info = byScheme.get(scheme);
  if (info === undefined || info.keyType !== key.type) return false;
  // TLS 1.2 ECDSA code points name only the hash; the curve is the key's (RFC 5246 7.4.1.4.1).
  if (info.curve !== undefined && info.curve !== key.curve && !tls12) return false;
  if (info.padding === 'pss' && info.hash !== null) {
    const hLen = HASH_LEN[info.hash];
    // RFC 8017 9.1.1: emLen = ceil((modBits - 1) / 8) must be at least hLen + sLen + 2, sLen = hLen.
    if (key.bits !== undefined && Math.ceil((key.bits - 1) / 8) < 2 * hLen + 2) return false;
    const pinned = pinnedPssHash(key);
    if (key.type === 'rsa-pss' && pinned !== undefined && pinned !== info.hash) return false;
  }
  return true;
}

/** Candidate order per key type: strongest-appropriate first, matching common TLS stacks. */
const ORDER: Record<KeyType, readonly number[]> = {
  ec: [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512],
  rsa: [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512],
  'rsa-pss': [S.rsa_pss_pss_sha256, S.rsa_pss_pss_sha384, S.rsa_pss_pss_sha512],
  ed25519: [S.ed25519],
};
const RSA_PKCS1: readonly number[] = [S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512];

/**
 * The signature schemes usable with `key`, in preference order. By default only TLS 1.3 schemes
 * (EC P-256 -> [ecdsa_secp256r1_sha256], RSA -> [rsa_pss_rsae_sha256, _384, _512],
 * RSASSA-PSS -> [rsa_pss_pss_*], Ed25519 -> [ed25519]). With `tls12` true, RSA keys also list
 * rsa_pkcs1_sha256/384/512 after the PSS schemes, for TLS 1.2 peers that offer only PKCS#1 v1.5.
 */
export function schemesForKey(key: PrivateKey | PublicKey, tls12 = false): number[] {
  const candidates = ORDER[key.type] ?? [];
  const out = candidates.filter((s) => schemeMatchesKey(s, key));
  if (tls12 && key.type === 'rsa') out.push(...RSA_PKCS1.filter((s) => schemeMatchesKey(s, key)));
  return out;
}

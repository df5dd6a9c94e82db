import { CipherSuite } from '../wire/enums.js';
import type { AeadAlgorithm, HashAlgorithm } from './provider.js';

/** What the record layer and key schedule need to know about a cipher suite. */
export interface SuiteInfo {
  readonly id: number;
  /** The IANA name, e.g. TLS_AES_128_GCM_SHA256. */
  readonly name: string;
  /** OpenSSL's name, e.g. ECDHE-ECDSA-AES128-GCM-SHA256 (same as IANA for TLS 1.3 suites). */
  readonly opensslName: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  readonly aead: AeadAlgorithm;
  readonly hash: HashAlgorithm;
  readonly keyLength: number;
  /** Length of the fixed part of the nonce (the whole 12-byte IV in TLS 1.3 and for ChaCha20 in 1.2; 4 for AES-GCM in 1.2). */
  readonly fixedIvLength: number;
  /** TLS 1.2 only: which certificate key kind the suite's authentication needs. */
  readonly auth?: 'ecdsa' | 'rsa';
}

const table: SuiteInfo[] = [
  { id: CipherSuite.TLS_AES_128_GCM_SHA256, name: 'TLS_AES_128_GCM_SHA256', opensslName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, fixedIvLength: 12 },
  { id: CipherSuite.TLS_AES_256_GCM_SHA384, name: 'TLS_AES_256_GCM_SHA384', opensslName: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, fixedIvLength: 12 },
  { id: CipherSuite.TLS_CHACHA20_POLY1305_SHA256, name: 'TLS_CHACHA20_POLY1305_SHA256', opensslName: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, fixedIvLength: 12 },
  { id: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', opensslName: 'ECDHE-ECDSA-AES128-GCM-SHA256', version: 'TLSv1.2', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, fixedIvLength: 4, auth: 'ecdsa' },
  { id: CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', opensslName: 'ECDHE-ECDSA-AES256-GCM-SHA384', version: 'TLSv1.2', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, fixedIvLength: 4, auth: 'ecdsa' },
  { id: CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', opensslName: 'ECDHE-ECDSA-CHACHA20-POLY1305', version: 'TLSv1.2', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, fixedIvLength: 12, auth: 'ecdsa' },
  { id: CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', opensslName: 'ECDHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2', aead: 'aes-128-gcm', hash: 'sha256', keyLength: 16, fixedIvLength: 4, auth: 'rsa' },
  { id: CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', opensslName: 'ECDHE-RSA-AES256-GCM-SHA384', version: 'TLSv1.2', aead: 'aes-256-gcm', hash: 'sha384', keyLength: 32, fixedIvLength: 4, auth: 'rsa' },
  { id: CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', opensslName: 'ECDHE-RSA-CHACHA20-POLY1305', version: 'TLSv1.2', aead: 'chacha20-poly1305', hash: 'sha256', keyLength: 32, fixedIvLength: 12, auth: 'rsa' },
];

const byId = new Map(table.map((s) => [s.id, s]));

/** The suite with this code point, or undefined if typessl does not implement it. */
export function suiteInfo(id: number): SuiteInfo | undefined {
  return byId.get(id);
}

/** TLS 1.3 suites in typessl's default preference order. */
export const TLS13_SUITES: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];

/** Looks a suite up by IANA or OpenSSL name (for CLI flags and options). */
export function suiteByName(name: string): SuiteInfo | undefined {
  return table.find((s) => s.name === name || s.opensslName === name);
}

/**
 * TLS 1.2 suites (ECDHE with AEAD only) in typessl's default preference order: AES-128-GCM, then
 * AES-256-GCM, then ChaCha20-Poly1305, ECDSA before RSA within each.
 */
export const TLS12_SUITES: readonly number[] = [
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

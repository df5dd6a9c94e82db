/**
 * The interop matrix shared by the per-peer suites: every cipher suite and group typessl offers,
 * under the names each peer's command line or API takes, and the certificate each TLS 1.2 suite
 * authenticates with. One table, so adding a suite or group reaches every peer's suite at once.
 */
import { NamedGroup } from '../../src/wire/enums.js';
import type { TestPki } from '../helpers/pki.js';

/** TLS 1.3 suites (the IANA names OpenSSL's -ciphersuites and node's `ciphers` take). */
export const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** A TLS 1.2 suite: OpenSSL's name (also node's), GnuTLS's key exchange and cipher, and the certificate it needs. */
export interface Tls12Suite {
  name: string;
  gnutlsKx: 'ECDHE-ECDSA' | 'ECDHE-RSA';
  gnutlsCipher: string;
  cred: TestPki['ec'];
}

/** Every TLS 1.2 suite with the certificate its authentication needs from `pki`. */
export function tls12Suites(pki: TestPki): Tls12Suite[] {
  return [
    { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', gnutlsKx: 'ECDHE-ECDSA', gnutlsCipher: 'AES-128-GCM', cred: pki.ec },
    { name: 'ECDHE-ECDSA-AES256-GCM-SHA384', gnutlsKx: 'ECDHE-ECDSA', gnutlsCipher: 'AES-256-GCM', cred: pki.ec },
    { name: 'ECDHE-ECDSA-CHACHA20-POLY1305', gnutlsKx: 'ECDHE-ECDSA', gnutlsCipher: 'CHACHA20-POLY1305', cred: pki.ec },
    { name: 'ECDHE-RSA-AES128-GCM-SHA256', gnutlsKx: 'ECDHE-RSA', gnutlsCipher: 'AES-128-GCM', cred: pki.rsa },
    { name: 'ECDHE-RSA-AES256-GCM-SHA384', gnutlsKx: 'ECDHE-RSA', gnutlsCipher: 'AES-256-GCM', cred: pki.rsa },
    { name: 'ECDHE-RSA-CHACHA20-POLY1305', gnutlsKx: 'ECDHE-RSA', gnutlsCipher: 'CHACHA20-POLY1305', cred: pki.rsa },
  ];
}

/** A key-exchange group under each peer's name for it. */
export interface InteropGroup {
  /** typessl's code point. */
  code: number;
  /** openssl -groups. */
  openssl: string;
  /** node:tls ecdhCurve. */
  node: string;
  /** GnuTLS priority string (`+GROUP-...`). */
  gnutls: string;
}

export const GROUPS: readonly InteropGroup[] = [
  { code: NamedGroup.x25519, openssl: 'X25519', node: 'X25519', gnutls: 'X25519' },
  { code: NamedGroup.secp256r1, openssl: 'P-256', node: 'prime256v1', gnutls: 'SECP256R1' },
  { code: NamedGroup.secp384r1, openssl: 'P-384', node: 'secp384r1', gnutls: 'SECP384R1' },
];

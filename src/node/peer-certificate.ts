import { createHash } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from '../x509/certificate.js';

/** A certificate in the shape of node:tls `getPeerCertificate()` (the fields typessl can fill). */
export interface PeerCertificate {
  /** Subject attributes by short name, e.g. `{ CN: 'localhost', O: 'typessl' }`. */
  subject: Record<string, string>;
  /** Issuer attributes by short name. */
  issuer: Record<string, string>;
  /** subjectAltName as node:tls prints it: `DNS:localhost, IP Address:127.0.0.1`. */
  subjectaltname?: string;
  /** notBefore, as OpenSSL prints it: `Jan  1 00:00:00 2026 GMT`. */
  valid_from: string;
  /** notAfter, same format. */
  valid_to: string;
  /** Serial number, upper-case hex. */
  serialNumber: string;
  /** SHA-1 fingerprint, `AB:CD:...`. */
  fingerprint: string;
  /** SHA-256 fingerprint. */
  fingerprint256: string;
  /** SHA-512 fingerprint. */
  fingerprint512: string;
  /** Whether the certificate is a CA (basicConstraints). */
  ca: boolean;
  /** extKeyUsage OIDs, when present. */
  ext_key_usage?: string[];
  /** The DER bytes. */
  raw: Buffer;
  /** With `detailed`: the next certificate the peer sent (its issuer, if the chain is in order); the last one points to itself when self-issued. */
  issuerCertificate?: PeerCertificate;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as OpenSSL's ASN1_TIME_print (and so node:tls) shows it. */
function opensslTime(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

/**
 * Splits an RFC 4514 name (`CN=a, O=b\, c`) into attributes. Escaped commas stay inside values;
 * a repeated attribute keeps its last value (node:tls would give an array; rare in practice).
 */
export function nameObject(rfc4514: string): Record<string, string> {
  const out: Record<string, string> = {};
  let part = '';
  const parts: string[] = [];
  for (let i = 0; i < rfc4514.length; i++) {
    const c = rfc4514[i]!;
    if (c === '\\' && i + 1 < rfc4514.length) {
      part += rfc4514[++i];
    } else if (c === ',' || c === '+') {
      parts.push(part);
      part = '';
    } else part += c;
  }
  if (part.length > 0) parts.push(part);
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

/** A fingerprint as OpenSSL and node:tls print it: upper-case hex pairs joined by ':'. */
function fingerprint(der: Uint8Array, hash: 'sha1' | 'sha256' | 'sha512'): string {
  return (createHash(hash).update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}

function describe(cert: ParsedCertificate): PeerCertificate {
  const san = [
    ...cert.subjectAltNames.dns.map((n) => `DNS:${n}`),
    ...cert.subjectAltNames.ip.map((n) => `IP Address:${n}`),
    ...cert.subjectAltNames.email.map((n) => `email:${n}`),
    ...cert.subjectAltNames.uri.map((n) => `URI:${n}`),
  ];
  const out: PeerCertificate = {
    subject: nameObject(cert.subject),
    issuer: nameObject(cert.issuer),
    valid_from: opensslTime(cert.notBefore),
    valid_to: opensslTime(cert.notAfter),
    serialNumber: cert.serialNumber,
    fingerprint: fingerprint(cert.der, 'sha1'),
    fingerprint256: fingerprint(cert.der, 'sha256'),
    fingerprint512: fingerprint(cert.der, 'sha512'),
    ca: cert.isCA,
    raw: Buffer.from(cert.der),
  };
  if (san.length > 0) out.subjectaltname = san.join(', ');
  if (cert.extKeyUsage) out.ext_key_usage = [...cert.extKeyUsage];
  return out;
}

/**
 * node:tls `getPeerCertificate(detailed)` for a chain (DER, leaf first): `{}` when there is no
 * certificate, as node:tls. With `detailed`, each entry links the next through `issuerCertificate`.
 */
export function peerCertificate(chain: readonly Uint8Array[], detailed: boolean): PeerCertificate | Record<string, never> {
  if (chain.length === 0) return {};
  const parsed = (detailed ? chain : chain.slice(0, 1)).map((der) => parseCertificate(der));
  const described = parsed.map((c) => describe(c));
  if (detailed) {
    for (let i = 0; i < described.length; i++) {
      const next = described[i + 1];
      if (next) described[i]!.issuerCertificate = next;
      else if (parsed[i]!.isSelfIssued()) described[i]!.issuerCertificate = described[i]!;
    }
  }
  return described[0]!;
}

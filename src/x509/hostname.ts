/**
 * Service identity checks (RFC 9525): does a certificate speak for the host name or IP address
 * the client wanted?
 *
 * - Only subjectAltName counts. The subject's CN is never consulted (RFC 9525 6.3 drops the CN
 *   fallback that RFC 6125 still tolerated), so a certificate without SANs matches no name.
 * - DNS names compare case-insensitively in ASCII; a trailing dot on the reference name is
 *   ignored. Internationalised names must be given as A-labels (xn--...), as they are in
 *   certificates.
 * - A wildcard is accepted only as the whole leftmost label (`*.example.com`), matches exactly one
 *   label, and needs at least two labels after it (`*.com` matches nothing). Partial wildcards
 *   (`f*.example.com`, `*oo.example.com`) and wildcards elsewhere match nothing (RFC 9525 6.3).
 * - An IP address reference (IPv4 dotted quad or IPv6 text) matches iPAddress SANs only, byte for
 *   byte, never a dNSName, and never through a wildcard (RFC 9525 6.2 / 6.3).
 */
import { equalBytes } from '../crypto/equal-bytes.js';
import type { ParsedCertificate } from './certificate.js';
import { parseIpAddress } from './certificate.js';

/** What a client asks a certificate to be for. */
export type ServiceIdentity = { kind: 'dns'; name: string } | { kind: 'ip'; address: Uint8Array; text: string };

/**
 * Reads a host as given by a caller: an IP literal (IPv6 optionally in brackets) becomes an
 * address identity, anything else a DNS name (lower-cased, without a trailing dot). Returns null
 * for text that is neither (empty, or bytes that cannot be in a host name).
 */
export function serviceIdentity(host: string): ServiceIdentity | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const address = parseIpAddress(bare);
  if (address) return { kind: 'ip', address, text: bare };
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253) return null;
  const labels = name.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !/^[a-z0-9_-]+$/.test(label)) return null;
  }
  return { kind: 'dns', name };
}

/** Whether a DNS reference name (already lower case, no trailing dot) matches one dNSName SAN. */
export function dnsNameMatches(pattern: string, reference: string): boolean {
  let p = pattern.toLowerCase();
  if (p.endsWith('.')) p = p.slice(0, -1);
  if (p.length === 0) return false;
  if (!p.includes('*')) return p === reference;
  const labels = p.split('.');
  // Only "*" as the complete leftmost label, followed by at least two more labels.
  if (labels[0] !== '*' || labels.length < 3) return false;
  if (labels.slice(1).some((l) => l.includes('*') || l.length === 0)) return false;
  const suffix = labels.slice(1).join('.');
  const dot = reference.indexOf('.');
  if (dot <= 0) return false;
  // The wildcard stands for exactly the reference's first label; the rest must be equal.
  return reference.slice(dot + 1) === suffix;
}

/** Whether the certificate's subjectAltName covers the identity. */
export function certificateMatchesIdentity(cert: ParsedCertificate, identity: ServiceIdentity): boolean {
  if (identity.kind === 'ip') {
    return cert.subjectAltNames.ip.some((text) => {
      const bytes = parseIpAddress(text);
      return bytes !== null && equalBytes(bytes, identity.address);
    });
  }
  return cert.subjectAltNames.dns.some((pattern) => dnsNameMatches(pattern, identity.name));
}

/** The names a certificate is valid for, as `DNS:a, IP:b`, for error messages. */
export function describeSubjectAltNames(cert: ParsedCertificate): string {
  const parts = [...cert.subjectAltNames.dns.map((d) => `DNS:${d}`), ...cert.subjectAltNames.ip.map((i) => `IP:${i}`)];
  return parts.length > 0 ? parts.join(', ') : 'no DNS or IP subjectAltName at all';
}

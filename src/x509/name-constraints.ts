/**
 * Name constraints (RFC 5280 4.2.1.10, 6.1.3 (b)/(c), 6.1.4 (g)): a CA may limit the names the
 * certificates below it can carry. Supported forms, as in OpenSSL, Go and webpki:
 *
 * - dNSName: `example.com` allows that name and every name under it; `.example.com` (a common
 *   extension) only names under it. A wildcard SAN `*.example.com` counts as every name it could
 *   match: it is outside a permitted subtree unless the whole wildcard domain is inside, and it
 *   violates an excluded subtree that lies inside its domain.
 * - iPAddress: address and mask; a SAN address must be of the same family and inside the prefix.
 * - rfc822Name: `user@host` (that mailbox), `host` (all mailboxes at the host), `.domain`
 *   (mailboxes at hosts under the domain).
 * - directoryName: the subject DN must begin with the constraint's RDNs (compared as DER).
 *
 * Other name forms in a constraint (URI, otherName, ...) are only a problem when a certificate
 * below carries a name of that form: then the constraint cannot be checked and the result is
 * X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, as in OpenSSL. `minimum`/`maximum` other than the
 * defaults are X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX (RFC 5280: MUST be 0 / absent).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, Name, NameConstraints } from '@peculiar/asn1-x509';
import type { ParsedCertificate } from './certificate.js';
import { parseIpAddress } from './certificate.js';
import {
  X509_V_ERR_EXCLUDED_VIOLATION,
  X509_V_ERR_PERMITTED_VIOLATION,
  X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX,
  X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE,
} from './verify-result.js';

/** A violation: the code and the name that broke the constraint. */
export interface NameConstraintViolation {
  code: number;
  detail: string;
}

type Kind = 'dns' | 'ip' | 'email' | 'dn' | 'other';

interface Subtree {
  kind: Kind;
  /** dns / email: the constraint text (lower case). */
  text?: string;
  /** ip: address and mask bytes. */
  address?: Uint8Array;
  mask?: Uint8Array;
  /** dn: the DER of each RDN. */
  rdns?: Uint8Array[];
  /** For messages. */
  label: string;
}

/** The constraints of one CA certificate, decoded once. */
export interface ParsedNameConstraints {
  permitted: Subtree[] | null;
  excluded: Subtree[];
}

function rdnsOf(name: Name): Uint8Array[] {
  return Array.from(name, (rdn) => new Uint8Array(AsnConvert.serialize(rdn)));
}

function subtreeOf(name: GeneralName): Subtree {
  if (name.dNSName !== undefined) return { kind: 'dns', text: name.dNSName.toLowerCase(), label: `DNS:${name.dNSName}` };
  if (name.rfc822Name !== undefined) return { kind: 'email', text: name.rfc822Name.toLowerCase(), label: `email:${name.rfc822Name}` };
  if (name.iPAddress !== undefined) {
    // The library renders address+mask as "a.b.c.d/len" (or IPv6 "x::/len").
    const [addr, len] = name.iPAddress.split('/');
    const address = addr === undefined ? null : parseIpAddress(addr);
    const bits = Number(len);
    if (!address || len === undefined || !Number.isInteger(bits) || bits < 0 || bits > address.length * 8) {
      throw new Error(`malformed iPAddress constraint ${name.iPAddress}`);
    }
    const mask = new Uint8Array(address.length);
    for (let i = 0; i < bits; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
    return { kind: 'ip', address, mask, label: `IP:${name.iPAddress}` };
  }
  if (name.directoryName !== undefined) return { kind: 'dn', rdns: rdnsOf(name.directoryName), label: 'DirName' };
  return { kind: 'other', label: 'a name form typessl does not check' };
}

/**
 * Decodes a nameConstraints extension value. Returns a violation-shaped error (syntax) for
 * constraints that cannot be used.
 */
export function parseNameConstraints(valueDer: Uint8Array): ParsedNameConstraints | NameConstraintViolation {
  try {
    const nc = AsnConvert.parse(valueDer, NameConstraints);
    const read = (list: NameConstraints['permittedSubtrees']): Subtree[] =>
      Array.from(list ?? [], (st) => {
        if ((st.minimum ?? 0) !== 0 || st.maximum !== undefined) throw new Error('minimum/maximum in a GeneralSubtree');
        return subtreeOf(st.base);
      });
    return { permitted: nc.permittedSubtrees ? read(nc.permittedSubtrees) : null, excluded: read(nc.excludedSubtrees) };
  } catch (err) {
    return { code: X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, detail: (err as Error).message };
  }
}

/** dNSName constraint semantics. `name` may be a wildcard SAN; `excluded` picks the wildcard rule. */
function dnsWithin(name: string, constraint: string, excluded: boolean): boolean {
  if (constraint === '') return true;
  const n = name.toLowerCase().replace(/\.$/, '');
  const leadingDot = constraint.startsWith('.');
  const base = leadingDot ? constraint.slice(1) : constraint;
  if (n.startsWith('*.')) {
    const domain = n.slice(2);
    // Every name "<label>.domain" is inside exactly when the domain itself is at or under base.
    if (domainInside(domain, base)) return true;
    // Excluded also when one of the names it could match is the excluded name itself.
    return excluded && !leadingDot && base.endsWith('.' + domain) && base.split('.').length === domain.split('.').length + 1;
  }
  if (leadingDot) return n.endsWith(constraint);
  return domainInside(n, base);
}

/** Whether `domain` equals `base` or lies under it. */
function domainInside(domain: string, base: string): boolean {
  return domain === base || domain.endsWith('.' + base);
}

function emailWithin(mailbox: string, constraint: string): boolean {
  const at = mailbox.lastIndexOf('@');
  const host = (at >= 0 ? mailbox.slice(at + 1) : mailbox).toLowerCase();
  if (constraint.includes('@')) return mailbox.toLowerCase() === constraint;
  if (constraint.startsWith('.')) return host.endsWith(constraint);
  return host === constraint;
}

function ipWithin(address: Uint8Array, st: Subtree): boolean {
  if (address.length !== st.address!.length) return false;
  return address.every((b, i) => (b & st.mask![i]!) === (st.address![i]! & st.mask![i]!));
}

function dnWithin(rdns: Uint8Array[], st: Subtree): boolean {
  const prefix = st.rdns!;
  if (prefix.length > rdns.length) return false;
  return prefix.every((r, i) => r.length === rdns[i]!.length && r.every((b, j) => b === rdns[i]![j]));
}

interface NameToCheck {
  kind: Kind;
  value: string;
  bytes?: Uint8Array;
  rdns?: Uint8Array[];
}

function namesOf(cert: ParsedCertificate): NameToCheck[] {
  const out: NameToCheck[] = [];
  const subject = AsnConvert.parse(cert.subjectDer, Name);
  if (subject.length > 0) out.push({ kind: 'dn', value: cert.subject, rdns: rdnsOf(subject) });
  for (const d of cert.subjectAltNames.dns) out.push({ kind: 'dns', value: d });
  for (const e of cert.subjectAltNames.email) out.push({ kind: 'email', value: e });
  for (const ip of cert.subjectAltNames.ip) out.push({ kind: 'ip', value: ip, bytes: parseIpAddress(ip)! });
  for (const u of cert.subjectAltNames.uri) out.push({ kind: 'other', value: u });
  return out;
}

function within(name: NameToCheck, st: Subtree, excluded: boolean): boolean {
  switch (st.kind) {
    case 'dns':
      return dnsWithin(name.value, st.text!, excluded);
    case 'email':
      return emailWithin(name.value, st.text!);
    case 'ip':
      return ipWithin(name.bytes!, st);
    case 'dn':
      return dnWithin(name.rdns!, st);
    default:
      return false;
  }
}

/**
 * Checks one certificate's names (subject DN and subjectAltNames) against one CA's constraints.
 * Returns null when they comply.
 */
export function checkNameConstraints(cert: ParsedCertificate, constraints: ParsedNameConstraints): NameConstraintViolation | null {
  for (const name of namesOf(cert)) {
    const relevant = (list: Subtree[]) => list.filter((st) => st.kind === name.kind);
    if (name.kind === 'other') {
      const all = [...(constraints.permitted ?? []), ...constraints.excluded];
      if (all.some((st) => st.kind === 'other')) {
        return { code: X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, detail: `cannot check "${name.value}" against a constraint on a name form typessl does not implement` };
      }
      continue;
    }
    for (const st of relevant(constraints.excluded)) {
      if (within(name, st, true)) return { code: X509_V_ERR_EXCLUDED_VIOLATION, detail: `"${name.value}" is inside the excluded subtree ${st.label}` };
    }
    if (constraints.permitted) {
      const permitted = relevant(constraints.permitted);
      if (permitted.length > 0 && !permitted.some((st) => within(name, st, false))) {
        return { code: X509_V_ERR_PERMITTED_VIOLATION, detail: `"${name.value}" is outside the permitted subtrees ${permitted.map((p) => p.label).join(', ')}` };
      }
    }
  }
  return null;
}

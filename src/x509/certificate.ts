/**
 * X.509 certificate parsing.
 *
 * The ASN.1 structures are decoded by `@peculiar/asn1-x509` (a maintained schema library) rather
 * than by hand. On top of it this file adds what a TLS stack needs and the library does not give:
 *
 * - the exact bytes of the signed parts (tbsCertificate, names, SubjectPublicKeyInfo) as they
 *   appear in the input. Signatures are checked over the bytes the issuer signed, and re-encoding
 *   a parsed structure is not guaranteed to reproduce them, so they are sliced from the input by
 *   a small DER element scanner (it only finds element boundaries; it decodes no X.509 field);
 * - strictness the library lacks: DER definite minimal lengths for the outer structure, no
 *   trailing bytes, matching inner and outer signature algorithms, no duplicate extensions,
 *   well-formed subjectAltName entries;
 * - one error type: anything malformed becomes `TlsFailure(bad_certificate)`, because the bytes
 *   usually come from a peer and must never crash the engine.
 *
 * Nothing here touches `node:` modules: the x509 layer must also run in browsers.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import {
  ECParameters,
  id_ecPublicKey,
  id_ecdsaWithSHA1,
  id_ecdsaWithSHA224,
  id_ecdsaWithSHA256,
  id_ecdsaWithSHA384,
  id_ecdsaWithSHA512,
  id_secp256r1,
  id_secp384r1,
  id_secp521r1,
} from '@peculiar/asn1-ecc';
import {
  id_RSASSA_PSS,
  id_rsaEncryption,
  id_sha1WithRSAEncryption,
  id_sha224WithRSAEncryption,
  id_sha256WithRSAEncryption,
  id_sha384WithRSAEncryption,
  id_sha512WithRSAEncryption,
} from '@peculiar/asn1-rsa';
import { equalBytes } from '../crypto/equal-bytes.js';
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { AlertDescription } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import { pemDecode, pemEncode } from './pem.js';

/** OID of Ed25519 keys and signatures (RFC 8410). */
export const id_Ed25519 = '1.3.101.112';
/** OID of Ed448 keys and signatures (RFC 8410). */
export const id_Ed448 = '1.3.101.113';

/** Friendly names of signature algorithms, spelled as `openssl x509 -text` prints them. */
const SIGNATURE_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  [id_sha1WithRSAEncryption]: 'sha1WithRSAEncryption',
  [id_sha224WithRSAEncryption]: 'sha224WithRSAEncryption',
  [id_sha256WithRSAEncryption]: 'sha256WithRSAEncryption',
  [id_sha384WithRSAEncryption]: 'sha384WithRSAEncryption',
  [id_sha512WithRSAEncryption]: 'sha512WithRSAEncryption',
  [id_RSASSA_PSS]: 'rsassaPss',
  [id_ecdsaWithSHA1]: 'ecdsa-with-SHA1',
  [id_ecdsaWithSHA224]: 'ecdsa-with-SHA224',
  [id_ecdsaWithSHA256]: 'ecdsa-with-SHA256',
  [id_ecdsaWithSHA384]: 'ecdsa-with-SHA384',
  [id_ecdsaWithSHA512]: 'ecdsa-with-SHA512',
  [id_Ed25519]: 'ED25519',
  [id_Ed448]: 'ED448',
};

/** Named curves by OID, in the names the crypto provider uses. */
const CURVE_NAMES: Readonly<Record<string, string>> = {
  [id_secp256r1]: 'P-256',
  [id_secp384r1]: 'P-384',
  [id_secp521r1]: 'P-521',
};

/**
 * Short names of attribute types for distinguished-name strings: RFC 4514 section 3 names where
 * it defines one, otherwise OpenSSL's short names. Unknown types print as dotted OIDs.
 */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/** keyUsage bit names in bit order (RFC 5280 4.2.1.3; bit 1 is also called contentCommitment). */
const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** A keyUsage bit name. */
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/** The kind of key in a certificate; other algorithms are reported by OID. */
export type PublicKeyAlgorithm = 'rsa' | 'ec' | 'ed25519' | 'rsa-pss' | (string & {});

/** A signature algorithm identifier. */
export interface SignatureAlgorithm {
  /** Dotted OID. */
  oid: string;
  /** OpenSSL's name for it (`ecdsa-with-SHA256`, `sha256WithRSAEncryption`, ...), else the OID. */
  name: string;
  /** DER of the parameters when present (NULL for PKCS#1 v1.5, RSASSA-PSS-params for PSS). */
  parameters?: Uint8Array;
}

/** One certificate extension as it appears in the certificate. */
export interface CertificateExtension {
  /** Dotted OID (`extnID`). */
  oid: string;
  critical: boolean;
  /** The contents of `extnValue`, i.e. the DER of the extension's own structure. */
  valueDer: Uint8Array;
}

/** subjectAltName entries of the kinds TLS uses. */
export interface SubjectAltNames {
  dns: string[];
  /** IPv4 dotted quads and IPv6 in RFC 5952 canonical text (lower case, longest zero run as `::`). */
  ip: string[];
  email: string[];
  uri: string[];
}

/** Everything `parseCertificate` reads from a certificate. */
export interface CertificateFields {
  /** The whole certificate, exactly as given. */
  readonly der: Uint8Array;
  /** The exact bytes of `tbsCertificate` inside `der`: what the signature covers. */
  readonly tbsDer: Uint8Array;
  /** The signature bits (`signatureValue` without the BIT STRING's unused-bits octet). */
  readonly signature: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** X.509 version as people count it: 1, 2 or 3. */
  readonly version: 1 | 2 | 3;
  /** Serial number in upper-case hex, as `openssl x509 -serial` prints it ('-' prefix if negative). */
  readonly serialNumber: string;
  /** RFC 4514-style subject, most significant RDN last: `CN=localhost, O=typessl`. */
  readonly subject: string;
  /** RFC 4514-style issuer. */
  readonly issuer: string;
  /** Exact DER of the subject Name (for issuer/subject matching and CertificateRequest CA lists). */
  readonly subjectDer: Uint8Array;
  /** Exact DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Exact DER of SubjectPublicKeyInfo (what `CryptoProvider.importPublicKey` takes). */
  readonly spki: Uint8Array;
  readonly publicKeyAlgorithm: PublicKeyAlgorithm;
  /** For EC keys: 'P-256' | 'P-384' | 'P-521', or the curve OID for other named curves. */
  readonly publicKeyCurve?: string;
  readonly subjectAltNames: SubjectAltNames;
  /** basicConstraints cA; false when the extension is absent. */
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint, undefined when absent. */
  readonly pathLength?: number;
  /** keyUsage bit names; undefined when the extension is absent (which means "any usage"). */
  readonly keyUsage?: KeyUsageName[];
  /** extKeyUsage purpose OIDs; undefined when the extension is absent. */
  readonly extKeyUsage?: string[];
  /** subjectKeyIdentifier bytes, when present. */
  readonly subjectKeyIdentifier?: Uint8Array;
  /** authorityKeyIdentifier keyIdentifier bytes, when present. */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** All extensions in certificate order. */
  readonly extensions: readonly CertificateExtension[];
  /** The subject's first CN in encoding order (the most significant one), if any. */
  readonly commonName?: string;
}

// Declaration merging: the class carries the fields of the interface without repeating them.
export interface ParsedCertificate extends CertificateFields {}

/**
 * A parsed X.509 certificate. Build it with `parseCertificate`; the fields are read-only views of
 * one certificate (the byte arrays are sub-arrays of `der`, so do not modify them).
 */
export class ParsedCertificate {
  /** Use `parseCertificate`; this constructor only stores already validated fields. */
  constructor(fields: CertificateFields) {
    Object.assign(this, fields);
  }

  /** The extension with this OID, if present. */
  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** Whether `time` lies within notBefore..notAfter (both inclusive, RFC 5280 4.1.2.5). */
  isValidAt(time: Date): boolean {
    const t = time.getTime();
    return t >= this.notBefore.getTime() && t <= this.notAfter.getTime();
  }

  /** Whether subject and issuer are the same name (byte-wise; a self-issued certificate). */
  isSelfIssued(): boolean {
    return equalBytes(this.subjectDer, this.issuerDer);
  }

  /** The certificate as a PEM "CERTIFICATE" block. */
  toPem(): string {
    return pemEncode('CERTIFICATE', this.der);
  }
}

function bad(detail: string): TlsFailure {
  return new TlsFailure(AlertDescription.bad_certificate, Reason.SSL_R_BAD_CERTIFICATE, detail);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------------------------
// DER element boundaries.

/** One DER element: tag byte and the offsets of its header, contents and end within the input. */
interface Element {
  tag: number;
  start: number;
  body: number;
  end: number;
}

/** Reads the element header at `pos`, requiring a DER (definite, minimal) length within `limit`. */
function readElement(der: Uint8Array, pos: number, limit: number, what: string): Element {
  if (pos + 2 > limit) throw bad(`${what}: truncated`);
  const tag = der[pos]!;
  // Every element this scanner visits has a low tag number; a high one means the bytes are wrong.
  if ((tag & 0x1f) === 0x1f) throw bad(`${what}: unexpected tag`);
  let length = der[pos + 1]!;
  let body = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0) throw bad(`${what}: indefinite length is not DER`);
    if (n > 4) throw bad(`${what}: length field too long`);
    if (body + n > limit) throw bad(`${what}: truncated`);
    if (der[body] === 0) throw bad(`${what}: non-minimal length`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[body + i]!;
    if (length < 0x80) throw bad(`${what}: non-minimal length`);
    body += n;
  }
  const end = body + length;
  if (end > limit) throw bad(`${what}: truncated`);
  return { tag, start: pos, body, end };
}

/** The child elements of a constructed element, which must exactly fill it. */
function childrenOf(der: Uint8Array, parent: Element, what: string): Element[] {
  const out: Element[] = [];
  for (let pos = parent.body; pos < parent.end; ) {
    const e = readElement(der, pos, parent.end, what);
    out.push(e);
    pos = e.end;
  }
  return out;
}

function expectTag(e: Element | undefined, tag: number, what: string): Element {
  if (!e || e.tag !== tag) throw bad(`${what}: missing or wrong type`);
  return e;
}

/** Byte ranges of the parts of a certificate that callers need verbatim. */
interface Layout {
  tbs: Element;
  outerSigAlg: Element;
  signatureValue: Element;
  innerSigAlg: Element;
  issuer: Element;
  subject: Element;
  spki: Element;
}

function layoutOf(der: Uint8Array): Layout {
  const cert = expectTag(readElement(der, 0, der.length, 'Certificate'), 0x30, 'Certificate');
  if (cert.end !== der.length) throw bad(`${der.length - cert.end} trailing bytes after the certificate`);
  const parts = childrenOf(der, cert, 'Certificate');
  if (parts.length !== 3) throw bad(`Certificate has ${parts.length} elements instead of 3`);
  const tbs = expectTag(parts[0], 0x30, 'tbsCertificate');
  const outerSigAlg = expectTag(parts[1], 0x30, 'signatureAlgorithm');
  const signatureValue = expectTag(parts[2], 0x03, 'signatureValue');
  const fields = childrenOf(der, tbs, 'tbsCertificate');
  // version [0] EXPLICIT is optional (DEFAULT v1); the seven fields after it are fixed.
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  expectTag(fields[base], 0x02, 'serialNumber');
  const innerSigAlg = expectTag(fields[base + 1], 0x30, 'tbsCertificate.signature');
  const issuer = expectTag(fields[base + 2], 0x30, 'issuer');
  expectTag(fields[base + 3], 0x30, 'validity');
  const subject = expectTag(fields[base + 4], 0x30, 'subject');
  const spki = expectTag(fields[base + 5], 0x30, 'subjectPublicKeyInfo');
  return { tbs, outerSigAlg, signatureValue, innerSigAlg, issuer, subject, spki };
}

// ---------------------------------------------------------------------------------------------
// Field formatting.

/** RFC 4514 section 2.4 escaping of one attribute value string. */
function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(16).toUpperCase().padStart(2, '0');
    else if ('"+,;<>\\'.includes(ch)) out += '\\' + ch;
    else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === value.length - 1 && ch === ' ')) out += '\\' + ch;
    else out += ch;
  }
  return out;
}

/**
 * RFC 4514 string of a Name: RDNs from last to first, ", " between RDNs, "+" inside one. Inside
 * a multi-valued RDN the attributes are also reversed, which is what OpenSSL's RFC 2253 output
 * does, so strings compare equal to `openssl x509 -subject -nameopt RFC2253` modulo spacing.
 */
function formatName(name: Name): string {
  const rdns: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const atv of Array.from(rdn).reverse()) {
      const type = ATTRIBUTE_NAMES[atv.type] ?? atv.type;
      const v = atv.value;
      const text = v.utf8String ?? v.printableString ?? v.ia5String ?? v.bmpString ?? v.universalString ?? v.teletexString;
      // Values that are not strings print as '#' + hex of their DER (RFC 4514 2.4).
      const shown = text !== undefined ? escapeDnValue(text) : v.anyValue ? '#' + hex(new Uint8Array(v.anyValue)).toUpperCase() : '';
      parts.push(`${type}=${shown}`);
    }
    rdns.push(parts.join('+'));
  }
  return rdns.reverse().join(', ');
}

function firstCommonName(name: Name): string | undefined {
  for (const rdn of name) {
    for (const atv of rdn) {
      if (atv.type === '2.5.4.3') {
        const v = atv.value;
        return v.utf8String ?? v.printableString ?? v.ia5String ?? v.bmpString ?? v.universalString ?? v.teletexString;
      }
    }
  }
  return undefined;
}

/** Serial number as `openssl x509 -serial` prints it. */
function formatSerial(content: Uint8Array): string {
  if (content.length === 0) throw bad('empty serialNumber');
  let value = BigInt('0x' + hex(content));
  let sign = '';
  if (content[0]! & 0x80) {
    // Negative serials are invalid (RFC 5280 4.1.2.2) but exist in the wild; show them as OpenSSL does.
    value = (1n << BigInt(content.length * 8)) - value;
    sign = '-';
  }
  let digits = value.toString(16).toUpperCase();
  if (digits.length % 2) digits = '0' + digits;
  return sign + digits;
}

/** RFC 5952 text of a 16-byte IPv6 address (pure hex form, as the WHATWG URL parser writes it). */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of two or more zero groups; the first one wins a tie (RFC 5952 4.2.3).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return text(groups);
  return `${text(groups.slice(0, bestStart))}::${text(groups.slice(bestStart + bestLength))}`;
}

/** Dotted quad, each part 0..255 in decimal without leading zeros (which some parsers read as octal). */
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

function parseIPv4(text: string): Uint8Array | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? Uint8Array.from(parts) : null;
}

/**
 * Parses an IP address literal strictly: a dotted-quad IPv4 address (4 bytes) or an RFC 4291
 * IPv6 address (16 bytes, with at most one `::` and an optional trailing dotted quad), without
 * brackets, zone or prefix. Returns null for anything else, so a host name is never mistaken for
 * an address.
 */
export function parseIpAddress(text: string): Uint8Array | null {
  const v4 = parseIPv4(text);
  if (v4) return v4;
  if (!text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes('.')) {
        const tail = parseIPv4(p);
        if (!tail) return null;
        out.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  // A dotted quad may only end the address, never stand before '::'.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Canonical text of a 4- or 16-byte address (dotted quad, or RFC 5952 IPv6); throws RangeError otherwise. */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) return formatIPv6(bytes);
  throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

function isAscii(s: string): boolean {
  // IA5String is 7-bit; anything else in a name means the encoder was broken or hostile.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function parseSubjectAltNames(valueDer: Uint8Array): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], ip: [], email: [], uri: [] };
  const names = AsnConvert.parse(valueDer, SubjectAlternativeName);
  if (names.length === 0) throw bad('empty subjectAltName');
  const ia5 = (s: string, kind: string): string => {
    if (!isAscii(s)) throw bad(`subjectAltName ${kind} is not IA5String`);
    return s;
  };
  for (const gn of names) {
    if (gn.dNSName !== undefined) out.dns.push(ia5(gn.dNSName, 'dNSName'));
    else if (gn.rfc822Name !== undefined) out.email.push(ia5(gn.rfc822Name, 'rfc822Name'));
    else if (gn.uniformResourceIdentifier !== undefined) out.uri.push(ia5(gn.uniformResourceIdentifier, 'URI'));
    else if (gn.iPAddress !== undefined) {
      // The library turns the OCTET STRING into text: an address for 4 or 16 bytes, CIDR text for
      // 8 or 32 (a form that belongs to name constraints only) and hex otherwise. Only the first
      // parses back; re-formatting makes the text canonical.
      const bytes = parseIpAddress(gn.iPAddress);
      if (!bytes) throw bad(`malformed subjectAltName iPAddress ${JSON.stringify(gn.iPAddress)}`);
      out.ip.push(formatIpAddress(bytes));
    }
  }
  return out;
}

function parseKeyUsage(valueDer: Uint8Array): KeyUsageName[] {
  const ku = AsnConvert.parse(valueDer, KeyUsage);
  const bits = new Uint8Array(ku.value);
  const out: KeyUsageName[] = [];
  for (let i = 0; i < KEY_USAGE_NAMES.length; i++) {
    const byte = bits[i >> 3];
    if (byte !== undefined && byte & (0x80 >> (i & 7))) out.push(KEY_USAGE_NAMES[i]!);
  }
  return out;
}

function toDate(time: { getTime(): Date }, what: string): Date {
  const d = time.getTime();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw bad(`invalid ${what}`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/**
 * The subject Name of a DER certificate (its encoding, as `ParsedCertificate.subjectDer`), found by
 * walking the outer structure only: a trust store indexes hundreds of platform roots by subject
 * and parses one fully only when a verification needs it (a full parse costs about a millisecond).
 * Throws on a structure that is not a certificate.
 */
export function certificateSubject(der: Uint8Array): Uint8Array {
  const { subject } = layoutOf(der);
  return der.slice(subject.start, subject.end);
}

/**
 * Parses one DER certificate. Throws `TlsFailure(bad_certificate, SSL_R_BAD_CERTIFICATE)` for
 * anything malformed: bad DER, trailing bytes, inner/outer signature algorithm mismatch,
 * extensions in a v1/v2 certificate, a duplicated extension, or an unreadable known extension.
 * Unknown critical extensions are not rejected here; that is path validation's job.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return parseUnchecked(der);
  } catch (err) {
    if (err instanceof TlsFailure) throw err;
    throw bad(`malformed certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseUnchecked(input: Uint8Array): ParsedCertificate {
  // A private copy: the caller's buffer (often a receive buffer) may be reused after we return.
  const der = new Uint8Array(input);
  const layout = layoutOf(der);
  const slice = (e: Element): Uint8Array => der.subarray(e.start, e.end);

  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;

  if (!equalBytes(slice(layout.innerSigAlg), slice(layout.outerSigAlg))) {
    throw bad('signature algorithm in tbsCertificate differs from the outer one (RFC 5280 4.1.1.2)');
  }
  // Signatures are whole octets: a BIT STRING with unused bits cannot hold one.
  if (layout.signatureValue.end - layout.signatureValue.body < 1 || der[layout.signatureValue.body] !== 0) {
    throw bad('signatureValue has unused bits');
  }
  const signature = der.subarray(layout.signatureValue.body + 1, layout.signatureValue.end);

  const versionNumber = tbs.version;
  if (versionNumber !== Version.v1 && versionNumber !== Version.v2 && versionNumber !== Version.v3) {
    throw bad(`unknown certificate version ${String(versionNumber)}`);
  }
  const version = (versionNumber + 1) as 1 | 2 | 3;

  const sigAlgOid = cert.signatureAlgorithm.algorithm;
  const signatureAlgorithm: SignatureAlgorithm = {
    oid: sigAlgOid,
    name: SIGNATURE_ALGORITHM_NAMES[sigAlgOid] ?? sigAlgOid,
  };
  // The parameters verbatim (the library reports NULL as null, and NULL is what PKCS#1 wants).
  const sigAlgParts = childrenOf(der, layout.outerSigAlg, 'signatureAlgorithm');
  if (sigAlgParts.length > 2) throw bad('signatureAlgorithm has extra elements');
  if (sigAlgParts[1]) signatureAlgorithm.parameters = slice(sigAlgParts[1]);

  const keyAlg = tbs.subjectPublicKeyInfo.algorithm;
  let publicKeyAlgorithm: PublicKeyAlgorithm = keyAlg.algorithm;
  let publicKeyCurve: string | undefined;
  if (keyAlg.algorithm === id_rsaEncryption) publicKeyAlgorithm = 'rsa';
  else if (keyAlg.algorithm === id_RSASSA_PSS) publicKeyAlgorithm = 'rsa-pss';
  else if (keyAlg.algorithm === id_Ed25519) publicKeyAlgorithm = 'ed25519';
  else if (keyAlg.algorithm === id_ecPublicKey) {
    publicKeyAlgorithm = 'ec';
    if (!keyAlg.parameters) throw bad('EC key without curve parameters');
    const params = AsnConvert.parse(keyAlg.parameters, ECParameters);
    // RFC 5480 2.1.1: only named curves are allowed in PKIX.
    if (!params.namedCurve) throw bad('EC key with explicit or implicit curve parameters');
    publicKeyCurve = CURVE_NAMES[params.namedCurve] ?? params.namedCurve;
  }

  const extensions: CertificateExtension[] = [];
  if (tbs.extensions) {
    if (version !== 3) throw bad(`extensions in a version ${version} certificate`);
    const seen = new Set<string>();
    for (const ext of tbs.extensions) {
      if (seen.has(ext.extnID)) throw bad(`duplicate extension ${ext.extnID} (RFC 5280 4.2)`);
      seen.add(ext.extnID);
      extensions.push({ oid: ext.extnID, critical: ext.critical, valueDer: new Uint8Array(ext.extnValue.buffer) });
    }
  }

  let subjectAltNames: SubjectAltNames = { dns: [], ip: [], email: [], uri: [] };
  let isCA = false;
  let pathLength: number | undefined;
  let keyUsage: KeyUsageName[] | undefined;
  let extKeyUsage: string[] | undefined;
  let subjectKeyIdentifier: Uint8Array | undefined;
  let authorityKeyIdentifier: Uint8Array | undefined;
  for (const ext of extensions) {
    switch (ext.oid) {
      case id_ce_subjectAltName:
        subjectAltNames = parseSubjectAltNames(ext.valueDer);
        break;
      case id_ce_basicConstraints: {
        const bc = AsnConvert.parse(ext.valueDer, BasicConstraints);
        isCA = bc.cA;
        if (bc.pathLenConstraint !== undefined) {
          const n = Number(bc.pathLenConstraint);
          if (!Number.isSafeInteger(n) || n < 0) throw bad('invalid basicConstraints pathLenConstraint');
          pathLength = n;
        }
        break;
      }
      case id_ce_keyUsage:
        keyUsage = parseKeyUsage(ext.valueDer);
        break;
      case id_ce_extKeyUsage:
        extKeyUsage = Array.from(AsnConvert.parse(ext.valueDer, ExtendedKeyUsage));
        break;
      case id_ce_subjectKeyIdentifier:
        subjectKeyIdentifier = new Uint8Array(AsnConvert.parse(ext.valueDer, SubjectKeyIdentifier).buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        const aki = AsnConvert.parse(ext.valueDer, AuthorityKeyIdentifier);
        if (aki.keyIdentifier) authorityKeyIdentifier = new Uint8Array(aki.keyIdentifier.buffer);
        break;
      }
    }
  }

  const commonName = firstCommonName(tbs.subject);
  // Optional fields are only set when present, so `'pathLength' in cert` means what it says.
  return new ParsedCertificate({
    der,
    tbsDer: slice(layout.tbs),
    signature,
    signatureAlgorithm,
    version,
    serialNumber: formatSerial(new Uint8Array(tbs.serialNumber)),
    subject: formatName(tbs.subject),
    issuer: formatName(tbs.issuer),
    subjectDer: slice(layout.subject),
    issuerDer: slice(layout.issuer),
    notBefore: toDate(tbs.validity.notBefore, 'notBefore'),
    notAfter: toDate(tbs.validity.notAfter, 'notAfter'),
    spki: slice(layout.spki),
    publicKeyAlgorithm,
    ...(publicKeyCurve !== undefined && { publicKeyCurve }),
    subjectAltNames,
    isCA,
    ...(pathLength !== undefined && { pathLength }),
    ...(keyUsage !== undefined && { keyUsage }),
    ...(extKeyUsage !== undefined && { extKeyUsage }),
    ...(subjectKeyIdentifier !== undefined && { subjectKeyIdentifier }),
    ...(authorityKeyIdentifier !== undefined && { authorityKeyIdentifier }),
    extensions,
    ...(commonName !== undefined && { commonName }),
  });
}

/**
 * Parses every "CERTIFICATE" block of a PEM text, in order (other blocks, such as keys in the same
 * file, are skipped). PEM syntax errors throw `Error`; a malformed certificate throws `TlsFailure`.
 */
export function parseCertificatesPem(text: string): ParsedCertificate[] {
  return pemDecode(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => parseCertificate(b.der));
}

/** The certificate's fingerprint as OpenSSL prints it: upper-case hex pairs joined by ':'. */
export function fingerprint(provider: CryptoProvider, cert: ParsedCertificate, hash: HashAlgorithm = 'sha256'): string {
  const digest = provider.digest(hash, cert.der);
  return Array.from(digest, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

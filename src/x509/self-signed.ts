/**
 * Ephemeral self-signed certificates, for demos, tests and "just give me TLS on localhost".
 *
 * The structures are built with `@peculiar/asn1-x509` and serialized by it; the only bytes made
 * here are the signature, produced by the crypto provider over the exact serialized
 * tbsCertificate. The result is parsed back with `parseCertificate` and compared with what was
 * meant, so a serializer surprise shows up as an error here instead of as a certificate that
 * other TLS stacks reject.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512 } from '@peculiar/asn1-ecc';
import { id_sha256WithRSAEncryption } from '@peculiar/asn1-rsa';
import { equalBytes } from '../crypto/equal-bytes.js';
import type { CryptoProvider, PrivateKey, SigningKeyKind } from '../crypto/provider.js';
import { SignatureScheme } from '../wire/enums.js';
import { formatIpAddress, id_Ed25519, parseCertificate, parseIpAddress } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';
import { pemEncode } from './pem.js';

/** Options of `createSelfSignedCertificate`. */
export interface SelfSignedOptions {
  /** Signs the certificate and makes or holds the key. */
  provider: CryptoProvider;
  /** The key to certify; when absent a new one of `keyKind` is generated. */
  key?: PrivateKey;
  /** Kind of key to generate when `key` is absent (default 'ec-p256'). */
  keyKind?: SigningKeyKind;
  /** Subject (and issuer) CN (default 'localhost'). */
  commonName?: string;
  /** subjectAltName DNS names, ASCII (A-labels for IDNs) (default ['localhost']). */
  dnsNames?: string[];
  /** subjectAltName IP addresses, IPv4 or IPv6 text (default ['127.0.0.1', '::1']). */
  ipAddresses?: string[];
  /** The current time (default: the clock); notBefore is 5 minutes earlier to allow for skew. */
  now?: Date;
  /** Validity after `now` in days (default 1). */
  days?: number;
  /** Make a CA certificate (basicConstraints cA and keyUsage keyCertSign) (default false). */
  isCA?: boolean;
}

/** A self-signed certificate with its key, in the forms callers usually want. */
export interface SelfSignedCertificate {
  certificateDer: Uint8Array;
  /** "CERTIFICATE" PEM block. */
  certificatePem: string;
  privateKey: PrivateKey;
  /** PKCS#8 "PRIVATE KEY" PEM block (unencrypted: these keys are ephemeral). */
  privateKeyPem: string;
  /** The certificate parsed back. */
  certificate: ParsedCertificate;
}

/** How a key signs a certificate: the X.509 algorithm identifier and the TLS scheme that makes the same signature. */
interface SigningAlgorithm {
  algorithm: AlgorithmIdentifier;
  scheme: number;
}

function signingAlgorithmFor(key: PrivateKey): SigningAlgorithm {
  switch (key.type) {
    case 'ec':
      // TLS ECDSA signatures are DER-encoded Ecdsa-Sig-Value, which is also what X.509 carries.
      // X.509 algorithm identifiers for ECDSA carry no parameters (RFC 5758 3.2).
      if (key.curve === 'P-256') return { algorithm: new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA256 }), scheme: SignatureScheme.ecdsa_secp256r1_sha256 };
      if (key.curve === 'P-384') return { algorithm: new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA384 }), scheme: SignatureScheme.ecdsa_secp384r1_sha384 };
      if (key.curve === 'P-521') return { algorithm: new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA512 }), scheme: SignatureScheme.ecdsa_secp521r1_sha512 };
      break;
    case 'rsa':
      // PKCS#1 v1.5 identifiers must carry an explicit NULL parameter (RFC 4055 5).
      return {
        algorithm: new AlgorithmIdentifier({ algorithm: id_sha256WithRSAEncryption, parameters: null }),
        scheme: SignatureScheme.rsa_pkcs1_sha256,
      };
    case 'ed25519':
      // RFC 8410 3: the parameters MUST be absent.
      return { algorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }), scheme: SignatureScheme.ed25519 };
  }
  throw new RangeError(`typessl: cannot sign a certificate with a ${key.type}${key.curve ? ' ' + key.curve : ''} key`);
}

function extension(oid: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** A standalone ArrayBuffer copy (the library wants ArrayBuffer; Node may hand out pooled views). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/**
 * Creates a v3 self-signed certificate (subject = issuer = CN=`commonName`) for `key` or a new
 * key, with a random positive 16-byte serial, validity `now - 5 min` .. `now + days`, and the
 * extensions TLS peers expect: basicConstraints (critical), keyUsage (critical; digitalSignature,
 * plus keyCertSign for a CA), extKeyUsage serverAuth + clientAuth, subjectAltName and
 * subjectKeyIdentifier. Signature: ecdsa-with-SHA256/384/512 for P-256/384/521 keys,
 * sha256WithRSAEncryption for RSA, Ed25519 for Ed25519. Throws `RangeError` for bad options or
 * a key that cannot sign certificates.
 */
export function createSelfSignedCertificate(opts: SelfSignedOptions): SelfSignedCertificate {
  const { provider } = opts;
  const commonName = opts.commonName ?? 'localhost';
  const dnsNames = opts.dnsNames ?? ['localhost'];
  const ipAddresses = opts.ipAddresses ?? ['127.0.0.1', '::1'];
  const days = opts.days ?? 1;
  const isCA = opts.isCA ?? false;
  const now = opts.now ?? new Date();
  if (commonName === '') throw new RangeError('typessl: commonName must not be empty');
  if (!(days > 0) || !Number.isFinite(days)) throw new RangeError(`typessl: days must be a positive number, not ${days}`);
  if (Number.isNaN(now.getTime())) throw new RangeError('typessl: now is an invalid Date');
  for (const name of dnsNames) {
    // dNSName is an IA5String: a Unicode name must be converted to its A-label form first.
    if (name === '' || !/^[\x21-\x7e]+$/.test(name)) throw new RangeError(`typessl: invalid DNS name ${JSON.stringify(name)}`);
  }
  const ipBytes = ipAddresses.map((text) => {
    const bytes = parseIpAddress(text);
    if (!bytes) throw new RangeError(`typessl: invalid IP address ${JSON.stringify(text)}`);
    return bytes;
  });

  const key = opts.key ?? provider.generatePrivateKey(opts.keyKind ?? 'ec-p256');
  const { algorithm, scheme } = signingAlgorithmFor(key);
  const spkiDer = provider.publicKeyOf(key);
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);

  // Positive (top bit clear) and minimally encoded (first octet non-zero): RFC 5280 4.1.2.2.
  const serial = provider.randomBytes(16).slice();
  serial[0] = serial[0]! & 0x7f || 0x01;

  // Whole seconds: UTCTime/GeneralizedTime in certificates carry no fractions (RFC 5280 4.1.2.5).
  const nowSeconds = Math.floor(now.getTime() / 1000) * 1000;
  const notBefore = new Date(nowSeconds - 5 * 60 * 1000);
  const notAfter = new Date(nowSeconds + Math.round(days * 86400) * 1000);

  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: commonName }) }),
    ]),
  ]);

  // RFC 7093 method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey bits (the
  // provider offers no SHA-1 for RFC 5280's original method).
  const keyId = provider.digest('sha256', new Uint8Array(spki.subjectPublicKey)).slice(0, 20);
  const keyUsage = KeyUsageFlags.digitalSignature | (isCA ? KeyUsageFlags.keyCertSign : 0);
  const extensions: Extension[] = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: isCA })),
    extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
    extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
  ];
  if (dnsNames.length + ipBytes.length > 0) {
    const names = [
      ...dnsNames.map((dNSName) => new GeneralName({ dNSName })),
      // The library takes addresses as text; hand it the canonical text of the validated bytes.
      ...ipBytes.map((bytes) => new GeneralName({ iPAddress: formatIpAddress(bytes) })),
    ];
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(names)));
  }
  extensions.push(extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)));

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: algorithm,
    issuer: name,
    validity: new Validity({ notBefore, notAfter }),
    subject: name,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = provider.sign(scheme, key, tbsDer);
  const certificateDer = new Uint8Array(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: algorithm,
        signatureValue: toArrayBuffer(signature),
      }),
    ),
  );

  const certificate = parseCertificate(certificateDer);
  // The signature is only good if the certificate holds exactly the bytes that were signed, and
  // the key only usable if the SPKI survived the parse/serialize round trip unchanged.
  if (!equalBytes(certificate.tbsDer, tbsDer) || !equalBytes(certificate.spki, spkiDer)) {
    throw new Error('typessl: internal error: certificate serialization changed the signed bytes');
  }
  return {
    certificateDer,
    certificatePem: pemEncode('CERTIFICATE', certificateDer),
    privateKey: key,
    privateKeyPem: pemEncode('PRIVATE KEY', provider.exportPrivateKey(key)),
    certificate,
  };
}

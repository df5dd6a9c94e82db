/**
 * Key import and export for the portable provider: PKCS#8, the traditional PKCS#1 ("RSA PRIVATE
 * KEY") and SEC1 ("EC PRIVATE KEY") forms, and SubjectPublicKeyInfo, read and written with the
 * @peculiar/asn1-* schemas (no hand-rolled DER). The key kinds and error messages follow the node
 * provider, so both providers accept and refuse the same keys.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { ECParameters, ECPrivateKey, id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import {
  RSAPrivateKey,
  RSAPublicKey,
  RsaSaPssParams,
  id_RSASSA_PSS,
  id_rsaEncryption,
  id_sha1,
  id_sha256,
  id_sha384,
  id_sha512,
} from '@peculiar/asn1-rsa';
import { pemDecode } from '../../x509/pem.js';
import type { HashAlgorithm, KeyType, PrivateKey, PublicKey } from '../provider.js';
import { bitLength, i2osp, os2ip, rsaPrivateFromParts, type RsaPrivateComponents, type RsaPublicComponents } from './rsa.js';

/** The EC curves signing keys may use (TLS signature schemes exist for these three). */
export type EcCurveName = 'P-256' | 'P-384' | 'P-521';

/** Key material, by kind. Private parts are present only in private keys. */
export type KeyMaterial =
  | {
      readonly type: 'rsa' | 'rsa-pss';
      readonly rsa: RsaPublicComponents;
      readonly rsaPrivate?: RsaPrivateComponents;
      /** The AlgorithmIdentifier parameters as found (RSASSA-PSS keys may carry some). */
      readonly algorithmParameters?: ArrayBuffer | null;
      readonly pssHash?: HashAlgorithm;
    }
  | { readonly type: 'ec'; readonly curve: EcCurveName; readonly point: Uint8Array; readonly scalar?: Uint8Array }
  | { readonly type: 'ed25519'; readonly publicKey: Uint8Array; readonly seed?: Uint8Array };

/**
 * Derives what a private key's material lacks (EC public point, Ed25519 public key) with the
 * curve code, which lives in the provider.
 */
export interface CurveMath {
  ecPublicPoint(curve: EcCurveName, scalar: Uint8Array): Uint8Array;
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
}

/** Fields both key wrappers share; `material` is what the provider computes with. */
abstract class PortableKey {
  readonly type: KeyType;
  readonly curve?: string;
  readonly bits?: number;
  /** For RSASSA-PSS keys whose parameters pin a digest: that digest (read by `schemeMatchesKey`). */
  readonly pssHash?: HashAlgorithm;

  constructor(readonly material: KeyMaterial) {
    this.type = material.type;
    if (material.type === 'ec') this.curve = material.curve;
    if (material.type === 'rsa' || material.type === 'rsa-pss') {
      this.bits = bitLength(material.rsa.n);
      if (material.pssHash !== undefined) this.pssHash = material.pssHash;
    }
  }
}

/** A private key of the portable provider. */
export class PortablePrivateKey extends PortableKey implements PrivateKey {}

/** A public key of the portable provider. */
export class PortablePublicKey extends PortableKey implements PublicKey {}

// ---------------------------------------------------------------------------------------------
// Object identifiers and names

const id_Ed25519 = '1.3.101.112';

const CURVE_BY_OID: ReadonlyMap<string, EcCurveName> = new Map([
  [id_secp256r1, 'P-256'],
  [id_secp384r1, 'P-384'],
  [id_secp521r1, 'P-521'],
]);
const OID_BY_CURVE: Readonly<Record<EcCurveName, string>> = { 'P-256': id_secp256r1, 'P-384': id_secp384r1, 'P-521': id_secp521r1 };
const SCALAR_LENGTH: Readonly<Record<EcCurveName, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

/** Names OpenSSL (and so the node provider's messages) uses for keys and curves we refuse. */
const KEY_TYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.101.110', 'x25519'],
  ['1.3.101.111', 'x448'],
  ['1.3.101.113', 'ed448'],
  ['1.2.840.10040.4.1', 'dsa'],
  ['1.2.840.113549.1.3.1', 'dh'],
  ['1.2.840.10046.2.1', 'dh'],
]);
const CURVE_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.132.0.10', 'secp256k1'],
  ['1.2.840.10045.3.1.1', 'prime192v1'],
  ['1.3.132.0.33', 'secp224r1'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
]);
const HASH_BY_OID: ReadonlyMap<string, HashAlgorithm | 'sha1'> = new Map([
  [id_sha1, 'sha1'],
  [id_sha256, 'sha256'],
  [id_sha384, 'sha384'],
  [id_sha512, 'sha512'],
]);

function unsupportedKeyType(oid: string): Error {
  return new Error(
    `typessl: unsupported key type ${KEY_TYPE_NAMES.get(oid) ?? oid} (supported: RSA, RSASSA-PSS, EC P-256/P-384/P-521, Ed25519)`,
  );
}

function curveOf(parameters: ArrayBuffer | null | undefined): EcCurveName {
  if (!parameters) throw new Error('typessl: unsupported EC curve unknown (supported: P-256, P-384, P-521)');
  const params = AsnConvert.parse(parameters, ECParameters);
  const oid = params.namedCurve;
  const curve = oid === undefined ? undefined : CURVE_BY_OID.get(oid);
  if (curve === undefined) {
    const name = oid === undefined ? 'explicit parameters' : CURVE_NAMES.get(oid) ?? oid;
    throw new Error(`typessl: unsupported EC curve ${name} (supported: P-256, P-384, P-521)`);
  }
  return curve;
}

/** The digest an RSASSA-PSS key's parameters pin, or undefined when the key carries none. */
function pssHashOf(parameters: ArrayBuffer | null | undefined): HashAlgorithm | undefined {
  if (!parameters) return undefined;
  const params = AsnConvert.parse(parameters, RsaSaPssParams);
  const hash = HASH_BY_OID.get(params.hashAlgorithm.algorithm);
  if (hash === undefined || hash === 'sha1') {
    throw new Error(`typessl: RSASSA-PSS key restricted to unsupported digest ${hash ?? params.hashAlgorithm.algorithm}`);
  }
  // The MGF1 digest is not checked, as node:crypto reports only the message digest too: TLS
  // always signs with MGF1 over the same digest, and a key pinned otherwise simply fails to verify.
  return hash;
}

// ---------------------------------------------------------------------------------------------
// Integers

/** An unsigned big-endian integer as DER INTEGER content (a leading zero when the top bit is set). */
function toAsnInteger(x: bigint): ArrayBuffer {
  const bytes = i2osp(x, Math.max(1, Math.ceil(bitLength(x) / 8)));
  const out = bytes[0]! & 0x80 ? new Uint8Array(bytes.length + 1) : new Uint8Array(bytes.length);
  out.set(bytes, out.length - bytes.length);
  return out.buffer;
}

function fromAsnInteger(value: ArrayBuffer): bigint {
  const bytes = new Uint8Array(value);
  if (bytes.length > 0 && bytes[0]! & 0x80) throw new Error('negative RSA integer');
  return os2ip(bytes);
}

function asArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

// ---------------------------------------------------------------------------------------------
// Private keys

function rsaFromPkcs1(der: ArrayBuffer | Uint8Array): RsaPrivateComponents {
  const k = AsnConvert.parse(der, RSAPrivateKey);
  if (k.version !== 0) throw new Error('typessl: multi-prime RSA keys are not supported');
  const parts = rsaPrivateFromParts(
    fromAsnInteger(k.modulus),
    fromAsnInteger(k.publicExponent),
    fromAsnInteger(k.privateExponent),
    fromAsnInteger(k.prime1),
    fromAsnInteger(k.prime2),
  );
  // The stored CRT values are redundant; refuse a key whose parts do not fit together.
  if (parts.p * parts.q !== parts.n) throw new Error('typessl: RSA private key is inconsistent (p*q != n)');
  return parts;
}

function ecFromSec1(der: ArrayBuffer | Uint8Array, outerParameters: ArrayBuffer | null | undefined, math: CurveMath): KeyMaterial {
  const k = AsnConvert.parse(der, ECPrivateKey);
  if (k.version !== 1) throw new Error('typessl: unsupported ECPrivateKey version');
  const curve = outerParameters ? curveOf(outerParameters) : curveOf(k.parameters ? AsnConvert.serialize(k.parameters) : undefined);
  // SEC1 stores the scalar as a fixed-length octet string, but some writers drop leading zeros.
  const raw = new Uint8Array(k.privateKey.buffer);
  const length = SCALAR_LENGTH[curve];
  if (raw.length > length) throw new Error('typessl: EC private key is longer than the curve order');
  const scalar = new Uint8Array(length);
  scalar.set(raw, length - raw.length);
  return { type: 'ec', curve, scalar, point: math.ecPublicPoint(curve, scalar) };
}

/** PKCS#8 PrivateKeyInfo DER to key material. */
function fromPkcs8(der: Uint8Array, math: CurveMath): KeyMaterial {
  const info = AsnConvert.parse(der, PrivateKeyInfo);
  const alg = info.privateKeyAlgorithm;
  const inner = new Uint8Array(info.privateKey.buffer);
  switch (alg.algorithm) {
    case id_rsaEncryption: {
      const priv = rsaFromPkcs1(inner);
      return { type: 'rsa', rsa: priv, rsaPrivate: priv };
    }
    case id_RSASSA_PSS: {
      const priv = rsaFromPkcs1(inner);
      const pssHash = pssHashOf(alg.parameters);
      const material = { type: 'rsa-pss' as const, rsa: priv, rsaPrivate: priv, algorithmParameters: alg.parameters ?? null };
      return pssHash === undefined ? material : { ...material, pssHash };
    }
    case id_ecPublicKey:
      return ecFromSec1(inner, alg.parameters, math);
    case id_Ed25519: {
      // RFC 8410 7: the private key is an OCTET STRING inside the OCTET STRING.
      const seed = new Uint8Array(AsnConvert.parse(inner, OctetString).buffer);
      if (seed.length !== 32) throw new Error('typessl: Ed25519 private key must be 32 bytes');
      return { type: 'ed25519', seed, publicKey: math.ed25519PublicKey(seed) };
    }
    default:
      throw unsupportedKeyType(alg.algorithm);
  }
}

/** Which DER structure a PEM label holds. */
const PEM_PRIVATE_LABELS: ReadonlyMap<string, 'pkcs8' | 'pkcs1' | 'sec1'> = new Map([
  ['PRIVATE KEY', 'pkcs8'],
  ['RSA PRIVATE KEY', 'pkcs1'],
  ['EC PRIVATE KEY', 'sec1'],
]);

function fromDer(der: Uint8Array, form: 'pkcs8' | 'pkcs1' | 'sec1', math: CurveMath): KeyMaterial {
  if (form === 'pkcs8') return fromPkcs8(der, math);
  if (form === 'sec1') return ecFromSec1(der, undefined, math);
  const priv = rsaFromPkcs1(der);
  return { type: 'rsa', rsa: priv, rsaPrivate: priv };
}

/** Whether an error is one of ours (a clear refusal) rather than a parse failure to retry. */
function isRefusal(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('typessl:');
}

const PEM_MARKER = '-----BEGIN';

function looksLikePem(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, Math.min(bytes.length, 4096));
  let text = '';
  for (let i = 0; i < head.length; i++) text += String.fromCharCode(head[i]!);
  return text.includes(PEM_MARKER);
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

/**
 * Reads a private key from PEM (PKCS#8, "RSA PRIVATE KEY", "EC PRIVATE KEY"; other blocks such as
 * "EC PARAMETERS" are skipped) or DER (PKCS#8 first, then SEC1 and PKCS#1, like the node provider).
 */
export function importPrivateKeyMaterial(key: string | Uint8Array, math: CurveMath): KeyMaterial {
  try {
    const text = typeof key === 'string' ? key : looksLikePem(key) ? latin1(key) : null;
    if (text !== null) {
      const blocks = pemDecode(text);
      if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
        throw new Error('typessl: encrypted private keys are not supported; decrypt the key first');
      }
      const block = blocks.find((b) => PEM_PRIVATE_LABELS.has(b.label));
      if (block === undefined) throw new Error(`no private key block (found: ${blocks.map((b) => b.label).join(', ')})`);
      return fromDer(block.der, PEM_PRIVATE_LABELS.get(block.label)!, math);
    }
    const der = key as Uint8Array;
    let firstError: unknown;
    for (const form of ['pkcs8', 'sec1', 'pkcs1'] as const) {
      try {
        return fromDer(der, form, math);
      } catch (e) {
        // A structure that parsed but holds a key we refuse is the answer, not a reason to retry.
        if (isRefusal(e)) throw e;
        firstError ??= e;
      }
    }
    throw firstError;
  } catch (e) {
    if (isRefusal(e)) throw e;
    throw new Error(`typessl: cannot read private key: ${(e as Error).message}`, { cause: e });
  }
}

/** PKCS#8 DER of a private key (the form OpenSSL writes: EC keys carry curve and public point). */
export function exportPkcs8(material: KeyMaterial): Uint8Array {
  let algorithm: AlgorithmIdentifier;
  let inner: ArrayBuffer;
  switch (material.type) {
    case 'rsa':
    case 'rsa-pss': {
      const k = material.rsaPrivate;
      if (k === undefined) throw new TypeError('typessl: not a private key');
      algorithm =
        material.type === 'rsa'
          ? new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null })
          : new AlgorithmIdentifier(material.algorithmParameters ? { algorithm: id_RSASSA_PSS, parameters: material.algorithmParameters } : { algorithm: id_RSASSA_PSS });
      inner = AsnConvert.serialize(
        new RSAPrivateKey({
          version: 0,
          modulus: toAsnInteger(k.n),
          publicExponent: toAsnInteger(k.e),
          privateExponent: toAsnInteger(k.d),
          prime1: toAsnInteger(k.p),
          prime2: toAsnInteger(k.q),
          exponent1: toAsnInteger(k.dp),
          exponent2: toAsnInteger(k.dq),
          coefficient: toAsnInteger(k.qInv),
        }),
      );
      break;
    }
    case 'ec': {
      if (material.scalar === undefined) throw new TypeError('typessl: not a private key');
      const parameters = AsnConvert.serialize(new ECParameters({ namedCurve: OID_BY_CURVE[material.curve] }));
      algorithm = new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters });
      inner = AsnConvert.serialize(
        new ECPrivateKey({ version: 1, privateKey: new OctetString(asArrayBuffer(material.scalar)), publicKey: asArrayBuffer(material.point) }),
      );
      break;
    }
    case 'ed25519': {
      if (material.seed === undefined) throw new TypeError('typessl: not a private key');
      algorithm = new AlgorithmIdentifier({ algorithm: id_Ed25519 });
      inner = AsnConvert.serialize(new OctetString(asArrayBuffer(material.seed)));
      break;
    }
  }
  return new Uint8Array(AsnConvert.serialize(new PrivateKeyInfo({ privateKeyAlgorithm: algorithm, privateKey: new OctetString(inner) })));
}

// ---------------------------------------------------------------------------------------------
// Public keys

/** SubjectPublicKeyInfo DER to key material; throws a plain Error the provider turns into an alert. */
export function importSpki(der: Uint8Array, uncompressedPoint: (curve: EcCurveName, point: Uint8Array) => Uint8Array): KeyMaterial {
  const spki = AsnConvert.parse(der, SubjectPublicKeyInfo);
  const alg = spki.algorithm;
  const key = new Uint8Array(spki.subjectPublicKey);
  switch (alg.algorithm) {
    case id_rsaEncryption:
    case id_RSASSA_PSS: {
      const k = AsnConvert.parse(key, RSAPublicKey);
      const rsa = { n: fromAsnInteger(k.modulus), e: fromAsnInteger(k.publicExponent) };
      if (rsa.n < 3n || (rsa.n & 1n) === 0n || rsa.e < 3n || (rsa.e & 1n) === 0n) throw new Error('invalid RSA public key');
      if (alg.algorithm === id_rsaEncryption) return { type: 'rsa', rsa };
      const pssHash = pssHashOf(alg.parameters);
      const material = { type: 'rsa-pss' as const, rsa, algorithmParameters: alg.parameters ?? null };
      return pssHash === undefined ? material : { ...material, pssHash };
    }
    case id_ecPublicKey: {
      const curve = curveOf(alg.parameters);
      // Validated on the curve here, so a bad certificate key fails at import, as with OpenSSL.
      return { type: 'ec', curve, point: uncompressedPoint(curve, key) };
    }
    case id_Ed25519:
      if (key.length !== 32) throw new Error('Ed25519 public key must be 32 bytes');
      return { type: 'ed25519', publicKey: key };
    default:
      throw unsupportedKeyType(alg.algorithm);
  }
}

/** SubjectPublicKeyInfo DER of a key (EC points uncompressed, as OpenSSL writes them). */
export function exportSpki(material: KeyMaterial): Uint8Array {
  let algorithm: AlgorithmIdentifier;
  let key: ArrayBuffer;
  switch (material.type) {
    case 'rsa':
    case 'rsa-pss':
      algorithm =
        material.type === 'rsa'
          ? new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: null })
          : new AlgorithmIdentifier(material.algorithmParameters ? { algorithm: id_RSASSA_PSS, parameters: material.algorithmParameters } : { algorithm: id_RSASSA_PSS });
      key = AsnConvert.serialize(new RSAPublicKey({ modulus: toAsnInteger(material.rsa.n), publicExponent: toAsnInteger(material.rsa.e) }));
      break;
    case 'ec':
      algorithm = new AlgorithmIdentifier({
        algorithm: id_ecPublicKey,
        parameters: AsnConvert.serialize(new ECParameters({ namedCurve: OID_BY_CURVE[material.curve] })),
      });
      key = asArrayBuffer(material.point);
      break;
    case 'ed25519':
      algorithm = new AlgorithmIdentifier({ algorithm: id_Ed25519 });
      key = asArrayBuffer(material.publicKey);
      break;
  }
  return new Uint8Array(AsnConvert.serialize(new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: key })));
}

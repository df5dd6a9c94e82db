/**
 * From a certificate's signatureAlgorithm (OID + parameters) to the algorithm a CryptoProvider
 * verifies, with the parameter rules of RFC 4055 (RSASSA-PSS), RFC 5758 (ECDSA), RFC 8410
 * (Ed25519) and RFC 3279/8017 (PKCS#1 v1.5), and the "weak" classification the verifier's policy
 * uses (MD5/MD2 never verify; SHA-1 is weak and refused by default).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { id_ecdsaWithSHA1, id_ecdsaWithSHA224, id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512 } from '@peculiar/asn1-ecc';
import {
  RsaSaPssParams,
  id_RSASSA_PSS,
  id_md2WithRSAEncryption,
  id_md5WithRSAEncryption,
  id_mgf1,
  id_sha1,
  id_sha1WithRSAEncryption,
  id_sha224,
  id_sha224WithRSAEncryption,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
} from '@peculiar/asn1-rsa';
import type { CertificateHash, CertificateSignatureAlgorithm } from '../crypto/provider.js';
import type { SignatureAlgorithm } from './certificate.js';
import { id_Ed25519 } from './certificate.js';

/** A signature algorithm the provider can check, plus whether policy calls it weak. */
export interface ResolvedSignatureAlgorithm {
  algorithm: CertificateSignatureAlgorithm;
  /** The digest is SHA-1 (collisions are practical): refused unless the policy allows it. */
  weakDigest: boolean;
}

/** Why an algorithm cannot be used: `broken` (MD5/MD2: never) or `unsupported` (unknown or bad parameters). */
export interface UnusableSignatureAlgorithm {
  problem: 'broken' | 'unsupported';
  detail: string;
}

const PKCS1: Readonly<Record<string, CertificateHash>> = {
  [id_sha1WithRSAEncryption]: 'sha1',
  [id_sha224WithRSAEncryption]: 'sha224',
  [id_sha256WithRSAEncryption]: 'sha256',
  [id_sha384WithRSAEncryption]: 'sha384',
  [id_sha512WithRSAEncryption]: 'sha512',
};
const ECDSA: Readonly<Record<string, CertificateHash>> = {
  [id_ecdsaWithSHA1]: 'sha1',
  [id_ecdsaWithSHA224]: 'sha224',
  [id_ecdsaWithSHA256]: 'sha256',
  [id_ecdsaWithSHA384]: 'sha384',
  [id_ecdsaWithSHA512]: 'sha512',
};
const HASHES: Readonly<Record<string, CertificateHash>> = {
  [id_sha1]: 'sha1',
  [id_sha224]: 'sha224',
  [id_sha256]: 'sha256',
  [id_sha384]: 'sha384',
  [id_sha512]: 'sha512',
};
/** DER of ASN.1 NULL. */
const NULL_DER = [0x05, 0x00];

function isNull(params: Uint8Array | undefined): boolean {
  return params !== undefined && params.length === 2 && params[0] === NULL_DER[0] && params[1] === NULL_DER[1];
}

/** Hash of an AlgorithmIdentifier whose parameters must be NULL or absent (RFC 4055 2.1). */
function hashOf(id: AlgorithmIdentifier): CertificateHash | null {
  const hash = HASHES[id.algorithm];
  if (hash === undefined) return null;
  if (id.parameters && !isNull(new Uint8Array(id.parameters))) return null;
  return hash;
}

function resolvePss(parameters: Uint8Array | undefined): ResolvedSignatureAlgorithm | UnusableSignatureAlgorithm {
  if (!parameters) return { problem: 'unsupported', detail: 'RSASSA-PSS signature without parameters' };
  let params: RsaSaPssParams;
  try {
    params = AsnConvert.parse(parameters, RsaSaPssParams);
  } catch (err) {
    return { problem: 'unsupported', detail: `unreadable RSASSA-PSS parameters: ${(err as Error).message}` };
  }
  const hash = hashOf(params.hashAlgorithm);
  if (!hash) return { problem: 'unsupported', detail: `RSASSA-PSS with unsupported digest ${params.hashAlgorithm.algorithm}` };
  if (params.maskGenAlgorithm.algorithm !== id_mgf1 || !params.maskGenAlgorithm.parameters) {
    return { problem: 'unsupported', detail: 'RSASSA-PSS with a mask generation function other than MGF1' };
  }
  const mgfHash = hashOf(AsnConvert.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier));
  // RFC 4055 3.1 recommends the same digest for both; every implementation in use does so.
  if (mgfHash !== hash) return { problem: 'unsupported', detail: 'RSASSA-PSS with an MGF1 digest different from the message digest' };
  if (params.trailerField !== 1) return { problem: 'unsupported', detail: `RSASSA-PSS trailerField ${params.trailerField}` };
  if (!Number.isSafeInteger(params.saltLength) || params.saltLength < 0 || params.saltLength > 512) {
    return { problem: 'unsupported', detail: `RSASSA-PSS salt length ${params.saltLength}` };
  }
  return { algorithm: { kind: 'rsa-pss', hash, saltLength: params.saltLength }, weakDigest: hash === 'sha1' };
}

/** Resolves a certificate's signature algorithm, or says why it cannot be used. */
export function resolveSignatureAlgorithm(sig: SignatureAlgorithm): ResolvedSignatureAlgorithm | UnusableSignatureAlgorithm {
  const { oid, parameters } = sig;
  if (oid === id_md5WithRSAEncryption || oid === id_md2WithRSAEncryption) {
    return { problem: 'broken', detail: `${sig.name} signatures can be forged` };
  }
  const pkcs1 = PKCS1[oid];
  if (pkcs1 !== undefined) {
    // RFC 4055 5: NULL parameters; absent ones are tolerated, as by OpenSSL.
    if (parameters !== undefined && !isNull(parameters)) return { problem: 'unsupported', detail: `${sig.name} with non-NULL parameters` };
    return { algorithm: { kind: 'rsa-pkcs1', hash: pkcs1 }, weakDigest: pkcs1 === 'sha1' };
  }
  const ecdsa = ECDSA[oid];
  if (ecdsa !== undefined) {
    if (parameters !== undefined) return { problem: 'unsupported', detail: `${sig.name} with parameters (RFC 5758 3.2 forbids them)` };
    return { algorithm: { kind: 'ecdsa', hash: ecdsa }, weakDigest: ecdsa === 'sha1' };
  }
  if (oid === id_Ed25519) {
    if (parameters !== undefined) return { problem: 'unsupported', detail: 'Ed25519 with parameters (RFC 8410 3 forbids them)' };
    return { algorithm: { kind: 'ed25519' }, weakDigest: false };
  }
  if (oid === id_RSASSA_PSS) return resolvePss(parameters);
  return { problem: 'unsupported', detail: `signature algorithm ${sig.name} is not supported` };
}

/** Type guard for the failure branch. */
export function isUnusable(r: ResolvedSignatureAlgorithm | UnusableSignatureAlgorithm): r is UnusableSignatureAlgorithm {
  return 'problem' in r;
}

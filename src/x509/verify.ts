/**
 * Certificate chain verification: path building (path-builder.ts) to a trust anchor (anchors.ts),
 * then RFC 5280 section 6 validation of the path, the service identity (hostname.ts), and a
 * policy on weak algorithms, with OpenSSL's result codes and verify-callback model.
 *
 * Checks, in OpenSSL's order (so the first error reported matches what `openssl verify` says):
 * 1. a path to an anchor exists (else 18/19/20 on the topmost certificate reached) and is not
 *    longer than the verify depth (22);
 * 2. per certificate, leaf first: critical extensions understood (34); issuers are CAs (79),
 *    with keyCertSign when keyUsage is present (32) and within every pathLenConstraint above them
 *    (25); the leaf's extendedKeyUsage (and any on the CAs) allows the purpose (26) and its
 *    keyUsage allows digitalSignature (39); RSA keys of at least `minRsaBits` (66 leaf, 67 CA);
 * 3. name constraints of each CA over the certificates below it (47/48/51/52);
 * 4. the host name or IP address (62/64);
 * 5. top down: each signature with the issuer's key (7, 6, 76; MD5 and, by default, SHA-1 are
 *    68) and each validity period at the injected time (9/10). The anchor's own self-signature
 *    is not checked: it is trusted because it is in the store, not because it signs itself.
 *
 * Nothing here reads the clock: the time is a parameter.
 */
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_certificatePolicies, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_nameConstraints, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_pe_authorityInfoAccess, id_ce_cRLDistributionPoints } from '@peculiar/asn1-x509';
import type { TrustStore } from './anchors.js';
import type { ParsedCertificate } from './certificate.js';
import { certificateMatchesIdentity, describeSubjectAltNames, type ServiceIdentity } from './hostname.js';
import { checkNameConstraints, parseNameConstraints } from './name-constraints.js';
import { buildPaths } from './path-builder.js';
import { isUnusable, resolveSignatureAlgorithm } from './signature.js';
import * as V from './verify-result.js';

/** The purpose a leaf must be fit for (extendedKeyUsage id-kp-serverAuth / id-kp-clientAuth). */
export type CertificatePurpose = 'serverAuth' | 'clientAuth';

const PURPOSE_OIDS: Readonly<Record<CertificatePurpose, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/**
 * Extensions whose meaning typessl implements or that carry no constraint to enforce, so a
 * critical one is not a reason to reject (RFC 5280 4.2). certificatePolicies is accepted as the
 * "any policy" validation of RFC 5280 6.1.1 with no explicit-policy requirement, as browsers do.
 */
const UNDERSTOOD_EXTENSIONS = new Set<string>([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_nameConstraints,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
]);

/** Algorithm policy. Defaults refuse what is broken or too weak today. */
export interface VerifyPolicy {
  /** Smallest RSA modulus accepted in any certificate of the path, anchors included (default 2048). */
  minRsaBits: number;
  /** Accept SHA-1 certificate signatures (default false). MD5 and MD2 are never accepted. */
  allowSha1: boolean;
  /** Most certificates above the leaf (OpenSSL's verify depth, default 100). */
  maxDepth: number;
}

export const DEFAULT_VERIFY_POLICY: Readonly<VerifyPolicy> = { minRsaBits: 2048, allowSha1: false, maxDepth: 100 };

/** What a verify callback is told (the useful parts of OpenSSL's X509_STORE_CTX). */
export interface VerifyCallbackContext {
  /** X509_V_OK when `preverifyOk`, else the error at this point. */
  readonly error: number;
  /** OpenSSL's short text of `error`. */
  readonly errorString: string;
  /** Position in the chain: 0 is the peer's certificate. */
  readonly errorDepth: number;
  /** The certificate at that depth. */
  readonly certificate: ParsedCertificate;
  /** The path being verified, leaf first. */
  readonly chain: readonly ParsedCertificate[];
  /** A sentence for people: which certificate, which check, what to do. */
  readonly message: string;
}

/**
 * OpenSSL's verify callback: called with `preverifyOk` false for each problem found (return true
 * to carry on regardless, false to fail), and with true once per certificate, top down, when the
 * path is done. Its answer on a `true` call can still fail the verification.
 */
export type VerifyCallback = (preverifyOk: boolean, ctx: VerifyCallbackContext) => boolean;

export interface VerifyOptions {
  provider: CryptoProvider;
  anchors: TrustStore;
  /** The verification time (the context's clock). */
  time: Date;
  purpose: CertificatePurpose;
  /** The name the certificate must be for; null/undefined skips the identity check. */
  identity?: ServiceIdentity | null;
  policy?: Partial<VerifyPolicy>;
  callback?: VerifyCallback;
}

/** The outcome of a verification, as `SSL_get_verify_result` plus the explanation. */
export interface CertificateVerifyResult {
  /** Whether the certificate is accepted (no error, or the callback accepted every error). */
  readonly ok: boolean;
  /** X509_V_OK, or the (last) error, as SSL_get_verify_result. */
  readonly code: number;
  /** Depth of the certificate the error is about (-1 when ok). */
  readonly depth: number;
  /** That certificate. */
  readonly certificate?: ParsedCertificate;
  /** Which certificate, which check, and what to fix; "ok" when ok. */
  readonly message: string;
  /** The path that was judged, leaf first (the verified chain when ok). */
  readonly chain: readonly ParsedCertificate[];
}

interface Problem {
  code: number;
  depth: number;
  message: string;
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function quote(c: ParsedCertificate): string {
  return `"${c.subject || '(empty subject)'}"`;
}

/** Everything wrong with one path, in OpenSSL's order. */
function problemsOf(path: ParsedCertificate[], anchored: boolean, opts: VerifyOptions, policy: VerifyPolicy, depthExceeded: boolean): Problem[] {
  const out: Problem[] = [];
  const add = (code: number, depth: number, message: string) => out.push({ code, depth, message });
  const top = path.length - 1;
  const topCert = path[top]!;

  // 1. The path itself.
  if (!anchored) {
    const storeHint = `add the CA certificate (PEM) to the trust store (SslContext option "ca" / addTrustedCertificates()) if you trust it`;
    if (depthExceeded) {
      add(V.X509_V_ERR_CERT_CHAIN_TOO_LONG, top, `the chain is longer than the verify depth ${policy.maxDepth} before reaching a trust anchor; raise the depth (setVerifyDepth) only if such chains are expected`);
    } else if (topCert.isSelfIssued() && selfSigned(topCert, opts.provider)) {
      if (top === 0) {
        add(V.X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, `the peer's certificate ${quote(topCert)} is self-signed and not in the trust store: add this exact certificate to the trust store to trust it (pinning), or use a certificate issued by a CA you trust`);
      } else {
        add(V.X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, top, `the chain ends at the self-signed root ${quote(topCert)}, which is not a trust anchor: ${storeHint}`);
      }
    } else {
      add(
        V.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        top,
        `certificate ${quote(topCert)} was issued by "${topCert.issuer}", which is neither among the certificates the peer sent nor in the trust store (${opts.anchors.size} anchors): ${storeHint}, or make the peer send its intermediate certificates`,
      );
    }
  }

  // 2. Extensions, CA status, path length, purpose, key sizes.
  const purposeOid = PURPOSE_OIDS[opts.purpose];
  let intermediatesBelow = 0;
  for (let i = 0; i <= top; i++) {
    const c = path[i]!;
    for (const ext of c.extensions) {
      if (ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.oid)) {
        add(V.X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, i, `certificate ${quote(c)} has a critical extension ${ext.oid} that typessl does not implement; RFC 5280 4.2 requires rejecting it: reissue the certificate without it or mark it non-critical`);
      }
    }
    if (i > 0) {
      const isAnchorV1 = anchored && i === top && c.version < 3;
      if (!c.isCA && !isAnchorV1) {
        add(V.X509_V_ERR_INVALID_CA, i, `certificate ${quote(c)} issued ${quote(path[i - 1]!)} but is not a CA (no basicConstraints with cA TRUE): only CA certificates may issue certificates; the chain or the issuing setup is wrong`);
      }
      if (c.keyUsage && !c.keyUsage.includes('keyCertSign')) {
        add(V.X509_V_ERR_KEYUSAGE_NO_CERTSIGN, i, `CA certificate ${quote(c)} has a keyUsage without keyCertSign, so it may not sign certificates: reissue the CA with keyUsage keyCertSign`);
      }
      if (c.pathLength !== undefined && intermediatesBelow > c.pathLength) {
        add(V.X509_V_ERR_PATH_LENGTH_EXCEEDED, i, `CA certificate ${quote(c)} allows ${c.pathLength} intermediate CA certificate(s) below it (pathLenConstraint) but the chain has ${intermediatesBelow}`);
      }
      // Self-issued certificates (key rollover) do not count toward path lengths (RFC 5280 6.1.4 (l)).
      if (!c.isSelfIssued()) intermediatesBelow++;
    }
    if (c.extKeyUsage && !c.extKeyUsage.includes(purposeOid) && !c.extKeyUsage.includes(ANY_EXTENDED_KEY_USAGE)) {
      add(V.X509_V_ERR_INVALID_PURPOSE, i, `certificate ${quote(c)} is not for ${opts.purpose}: its extendedKeyUsage lists ${c.extKeyUsage.join(', ')}; reissue it with extendedKeyUsage ${opts.purpose}`);
    }
    if (i === 0 && c.keyUsage && !c.keyUsage.includes('digitalSignature')) {
      add(V.X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE, 0, `certificate ${quote(c)} has a keyUsage without digitalSignature (it lists ${c.keyUsage.join(', ') || 'nothing'}), but TLS 1.3 and ECDHE authenticate by signing: reissue it with keyUsage digitalSignature`);
    }
    const bits = rsaBits(c, opts.provider);
    if (bits !== undefined && bits < policy.minRsaBits) {
      add(i === 0 ? V.X509_V_ERR_EE_KEY_TOO_SMALL : V.X509_V_ERR_CA_KEY_TOO_SMALL, i, `certificate ${quote(c)} has a ${bits}-bit RSA key; at least ${policy.minRsaBits} bits are required: reissue it with a 2048-bit or larger key`);
    }
  }

  // 3. Name constraints of each CA over everything below it (self-issued CAs are exempt, except the leaf).
  for (let i = 1; i <= top; i++) {
    const ext = path[i]!.extension(id_ce_nameConstraints);
    if (!ext) continue;
    const nc = parseNameConstraints(ext.valueDer);
    if ('code' in nc) {
      add(nc.code, i, `the nameConstraints of ${quote(path[i]!)} cannot be used: ${nc.detail}`);
      continue;
    }
    for (let j = i - 1; j >= 0; j--) {
      if (j > 0 && path[j]!.isSelfIssued()) continue;
      const violation = checkNameConstraints(path[j]!, nc);
      if (violation) add(violation.code, j, `certificate ${quote(path[j]!)} breaks the name constraints of CA ${quote(path[i]!)}: ${violation.detail}`);
    }
  }

  // 4. Service identity.
  const id = opts.identity;
  if (id && !certificateMatchesIdentity(path[0]!, id)) {
    const wanted = id.kind === 'dns' ? id.name : id.text;
    add(
      id.kind === 'dns' ? V.X509_V_ERR_HOSTNAME_MISMATCH : V.X509_V_ERR_IP_ADDRESS_MISMATCH,
      0,
      `certificate ${quote(path[0]!)} is valid for ${describeSubjectAltNames(path[0]!)}, not for "${wanted}": connect with one of those names, or reissue the certificate with subjectAltName ${id.kind === 'dns' ? 'DNS' : 'IP'}:${wanted} (the subject CN is not used, RFC 9525)`,
    );
  }

  // 5. Signatures and validity, top down.
  for (let i = top; i >= 0; i--) {
    const c = path[i]!;
    const issuer = path[i + 1];
    if (issuer) {
      const sig = signatureProblem(c, issuer, opts.provider, policy);
      if (sig) add(sig.code, i, sig.message);
    }
    if (opts.time.getTime() < c.notBefore.getTime()) {
      add(V.X509_V_ERR_CERT_NOT_YET_VALID, i, `certificate ${quote(c)} is not valid before ${iso(c.notBefore)} (verification time ${iso(opts.time)}): check the clocks of both machines`);
    } else if (opts.time.getTime() > c.notAfter.getTime()) {
      add(V.X509_V_ERR_CERT_HAS_EXPIRED, i, `certificate ${quote(c)} expired at ${iso(c.notAfter)} (verification time ${iso(opts.time)}): renew the certificate, or check the clock`);
    }
  }
  return out;
}

function rsaBits(c: ParsedCertificate, provider: CryptoProvider): number | undefined {
  if (c.publicKeyAlgorithm !== 'rsa' && c.publicKeyAlgorithm !== 'rsa-pss') return undefined;
  try {
    return provider.importPublicKey(c.spki).bits;
  } catch {
    return undefined;
  }
}

/**
 * Imported public keys per provider and certificate: a key one provider imported is that
 * provider's object (a KeyObject, a noble point) and means nothing to another, while parsed
 * certificates are shared process-wide (parse-cache.ts).
 */
const keyCaches = new WeakMap<CryptoProvider, WeakMap<ParsedCertificate, PublicKey | null>>();

function publicKeyOf(c: ParsedCertificate, provider: CryptoProvider): PublicKey | null {
  let keyCache = keyCaches.get(provider);
  if (!keyCache) {
    keyCache = new WeakMap();
    keyCaches.set(provider, keyCache);
  }
  if (keyCache.has(c)) return keyCache.get(c)!;
  let key: PublicKey | null = null;
  try {
    key = provider.importPublicKey(c.spki);
  } catch {
    key = null;
  }
  keyCache.set(c, key);
  return key;
}

function selfSigned(c: ParsedCertificate, provider: CryptoProvider): boolean {
  const alg = resolveSignatureAlgorithm(c.signatureAlgorithm);
  const key = publicKeyOf(c, provider);
  if (isUnusable(alg) || !key) return true; // Self-issued; treat as self-signed for the report.
  return provider.verifyCertificateSignature(alg.algorithm, key, c.tbsDer, c.signature);
}

function signatureProblem(c: ParsedCertificate, issuer: ParsedCertificate, provider: CryptoProvider, policy: VerifyPolicy): Problem | null {
  const alg = resolveSignatureAlgorithm(c.signatureAlgorithm);
  if (isUnusable(alg)) {
    if (alg.problem === 'broken') {
      return { code: V.X509_V_ERR_CA_MD_TOO_WEAK, depth: 0, message: `certificate ${quote(c)} is signed with ${c.signatureAlgorithm.name}: ${alg.detail}; the issuer must re-sign it with SHA-256 or better` };
    }
    return { code: V.X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM, depth: 0, message: `certificate ${quote(c)}: ${alg.detail}` };
  }
  if (alg.weakDigest && !policy.allowSha1) {
    return { code: V.X509_V_ERR_CA_MD_TOO_WEAK, depth: 0, message: `certificate ${quote(c)} is signed with ${c.signatureAlgorithm.name}; SHA-1 signatures are refused (collisions are practical): have it re-signed with SHA-256 or better` };
  }
  const key = publicKeyOf(issuer, provider);
  if (!key) {
    return { code: V.X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, depth: 0, message: `the public key of ${quote(issuer)}, the issuer of ${quote(c)}, cannot be read or is of an unsupported kind` };
  }
  if (!provider.verifyCertificateSignature(alg.algorithm, key, c.tbsDer, c.signature)) {
    return { code: V.X509_V_ERR_CERT_SIGNATURE_FAILURE, depth: 0, message: `the signature on ${quote(c)} does not verify with the key of ${quote(issuer)}: the certificate was altered, or it was issued by another CA with the same name` };
  }
  return null;
}

/**
 * Verifies a peer's chain (leaf first, the rest in any order) for `purpose` at `time`. Never
 * throws for what is in the certificates: every problem is a result code. The certificates must
 * already be parsed (a malformed certificate is a decoding error, handled before this).
 */
export function verifyCertificateChain(peerChain: readonly ParsedCertificate[], opts: VerifyOptions): CertificateVerifyResult {
  const policy: VerifyPolicy = { ...DEFAULT_VERIFY_POLICY, ...opts.policy };
  const leaf = peerChain[0];
  if (!leaf) throw new RangeError('verifyCertificateChain needs at least the leaf certificate');
  const built = buildPaths(leaf, peerChain.slice(1), opts.anchors, opts.time, { maxDepth: policy.maxDepth });

  // The first anchored path without problems wins; else the first anchored one; else the dead end.
  let chosen: { path: ParsedCertificate[]; problems: Problem[] } | null = null;
  for (const candidate of built.anchored) {
    const problems = problemsOf(candidate.certs, true, opts, policy, false);
    if (problems.length === 0) {
      chosen = { path: candidate.certs, problems };
      break;
    }
    chosen ??= { path: candidate.certs, problems };
  }
  chosen ??= { path: built.longestPartial, problems: problemsOf(built.longestPartial, false, opts, policy, built.depthExceeded) };

  const { path, problems } = chosen;
  const context = (p: Problem | null, depth: number): VerifyCallbackContext => ({
    error: p?.code ?? V.X509_V_OK,
    errorString: V.verifyErrorString(p?.code ?? V.X509_V_OK),
    errorDepth: depth,
    certificate: path[depth]!,
    chain: path,
    message: p ? p.message : 'ok',
  });
  const fail = (p: Problem): CertificateVerifyResult => ({ ok: false, code: p.code, depth: p.depth, certificate: path[p.depth]!, message: p.message, chain: path });

  if (!opts.callback) {
    return problems.length === 0 ? { ok: true, code: V.X509_V_OK, depth: -1, message: 'ok', chain: path } : fail(problems[0]!);
  }
  let last: Problem | null = null;
  for (const p of problems) {
    if (!opts.callback(false, context(p, p.depth))) return fail(p);
    last = p;
  }
  for (let depth = path.length - 1; depth >= 0; depth--) {
    if (!opts.callback(true, context(null, depth))) {
      return fail({ code: V.X509_V_ERR_APPLICATION_VERIFICATION, depth, message: `the verify callback rejected certificate ${quote(path[depth]!)}` });
    }
  }
  if (last) return { ok: true, code: last.code, depth: last.depth, certificate: path[last.depth]!, message: last.message, chain: path };
  return { ok: true, code: V.X509_V_OK, depth: -1, message: 'ok', chain: path };
}

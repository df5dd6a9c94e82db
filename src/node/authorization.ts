/**
 * node:tls's view of certificate verification on top of typessl's verifier: error codes as
 * node:tls names them ('CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', ...), the order in
 * which node judges a server (the chain first, then the name with `checkServerIdentity`), and the
 * `authorized` / `authorizationError` outcome of each side.
 *
 * Where node:tls completes a handshake and then destroys the socket, typessl fails the handshake
 * itself with the alert the problem calls for (unknown_ca, certificate_expired, bad_certificate),
 * so the peer learns why; the error the application sees has node's `code`.
 */
import { isIP } from 'node:net';
import type { SslContext } from '../ssl/context.js';
import type { Ssl } from '../ssl/ssl.js';
import type { TrustStore } from '../x509/anchors.js';
import { parseCertificateCached } from '../x509/parse-cache.js';
import { serviceIdentity } from '../x509/hostname.js';
import { verifyCertificateChain, type CertificatePurpose, type VerifyCallback, type VerifyCallbackContext } from '../x509/verify.js';
import {
  verifyErrorName,
  verifyErrorString,
  X509_V_ERR_HOSTNAME_MISMATCH,
  X509_V_ERR_IP_ADDRESS_MISMATCH,
  X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
  X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
  X509_V_OK,
} from '../x509/verify-result.js';
import { peerCertificate, type PeerCertificate } from './peer-certificate.js';

/** node:tls `checkServerIdentity(hostname, cert)`: an Error when the certificate is not for `hostname`. */
export type CheckServerIdentity = (hostname: string, cert: PeerCertificate) => Error | undefined;

/** An Error carrying node:tls's `code`. */
export type CodedError = Error & { code: string };

/**
 * The code node:tls gives an X509_V_* result: OpenSSL's name without `X509_V_ERR_` (e.g.
 * 'CERT_HAS_EXPIRED'). node:tls lets OpenSSL verify to the end and reports its last error, and
 * for a lone certificate whose issuer is unknown OpenSSL's last word is "unable to verify the
 * first certificate" (after "unable to get local issuer certificate"): `pathLength` (the
 * certificates of the judged path) tells that case.
 */
export function nodeVerifyCode(code: number, pathLength: number): string {
  const last = code === X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY && pathLength === 1 ? X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE : code;
  return verifyErrorName(last).replace(/^X509_V_ERR_/, '');
}

/**
 * The error node:tls reports for a chain that fails verification: OpenSSL's short text with
 * node's code; typessl's explanation (which certificate, what to fix) follows the short text.
 */
export function chainError(code: number, pathLength: number, detail?: string): CodedError {
  const nodeCode = nodeVerifyCode(code, pathLength);
  const text = verifyErrorString(nodeCode === nodeVerifyCode(code, 0) ? code : X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE);
  return Object.assign(new Error(detail ? `${text}: ${detail}` : text), { code: nodeCode });
}

/**
 * node:tls's ERR_TLS_CERT_ALTNAME_INVALID for a certificate that is not for `hostname`, with the
 * same message and `reason` / `host` / `cert` properties as node's `tls.checkServerIdentity`.
 * typessl decides the mismatch itself (RFC 9525: subjectAltName only, never the subject CN).
 */
export function altnameError(hostname: string, cert: PeerCertificate): CodedError {
  const altnames = cert.subjectaltname ?? '';
  const reason = isIP(hostname)
    ? `IP: ${hostname} is not in the cert's list: ${altnames
        .split(', ')
        .filter((n) => n.startsWith('IP Address:'))
        .map((n) => n.slice('IP Address:'.length))
        .join(', ')}`
    : `Host: ${hostname}. is not in the cert's altnames: ${altnames}`;
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    reason,
    host: hostname,
    cert,
  });
}

/** The judged path in node:tls's `getPeerCertificate(true)` shape. */
const certificateOf = (v: VerifyCallbackContext): PeerCertificate => peerCertificate(v.chain.map((c) => c.der), true) as PeerCertificate;

const isNameMismatch = (code: number): boolean => code === X509_V_ERR_HOSTNAME_MISMATCH || code === X509_V_ERR_IP_ADDRESS_MISMATCH;

/**
 * One client connection's judgement of the server certificate, the node:tls way. Its `callback`
 * is the verify callback of that connection's context: the chain is judged first; only a sound
 * chain has its name checked, by `checkServerIdentity` when given, else by typessl's own check.
 * With `rejectUnauthorized` the first problem fails the handshake with its alert and is the
 * error; without, the handshake goes on and {@link error} tells why the server is not
 * authorized, naming the last problem as node:tls does (they differ only when a chain has
 * several problems).
 */
export class ServerVerdict {
  private chainProblem: VerifyCallbackContext | null = null;
  /** typessl's name check failed (decided once the chain is known to be sound). */
  private nameMismatch = false;
  private identityError: Error | null = null;

  /**
   * @param hostname the name the certificate must be for (node: servername, else host, else 'localhost')
   * @param reject node's rejectUnauthorized
   * @param check node's checkServerIdentity (typessl's RFC 9525 check when absent)
   */
  constructor(
    private readonly hostname: string,
    private readonly reject: boolean,
    private readonly check: CheckServerIdentity | undefined,
  ) {}

  /** Whether a problem refuses the server (node's rejectUnauthorized). */
  get rejects(): boolean {
    return this.reject;
  }

  /** The verify callback (see VerifyCallback) that builds this verdict. */
  readonly callback: VerifyCallback = (preverifyOk, v) => {
    if (!preverifyOk) {
      if (isNameMismatch(v.error)) {
        // The name is node's second question, asked once the chain is sound: by a custom check
        // below, or by typessl's check, whose failure stops a rejecting handshake here with
        // bad_certificate (a custom check's with handshake_failure, as OpenSSL's
        // application verification failure).
        if (this.check) return true;
        this.nameMismatch = true;
        if (!this.reject || this.chainProblem) return true;
        this.identityError = altnameError(this.hostname, certificateOf(v));
        return false;
      }
      // Rejecting stops at the first problem; otherwise the last one is node's answer.
      if (!this.reject || !this.chainProblem) this.chainProblem = v;
      return !this.reject;
    }
    // The last call of a verification is for the peer's own certificate (depth 0).
    if (v.errorDepth !== 0 || this.chainProblem) return true;
    if (this.check) this.identityError = this.check(this.hostname, certificateOf(v)) ?? null;
    else if (this.nameMismatch) this.identityError = altnameError(this.hostname, certificateOf(v));
    return this.identityError === null || !this.reject;
  };

  /**
   * Judges a resumed connection's server certificate (kept in the session: an abbreviated
   * handshake carries none) as a full handshake would, with this connection's trust, name and
   * time. node:tls keeps the first connection's verdict in the session; typessl asks again, so a
   * session from a connection that did not verify the server cannot make a strict one authorized.
   */
  judgeStored(chain: readonly Uint8Array[], ctx: SslContext, anchors: TrustStore): void {
    if (chain.length === 0) {
      this.identityError = Object.assign(new Error('the resumed session holds no server certificate'), { code: 'UNABLE_TO_GET_ISSUER_CERT' });
      return;
    }
    verifyStored(chain, ctx, anchors, 'serverAuth', this.hostname, this.callback);
  }

  /** Why the server is not authorized, as node:tls reports it; null when it is (or nothing was verified, as on resumption). */
  error(): Error | null {
    const p = this.chainProblem;
    if (p) return chainError(p.error, p.chain.length, p.message);
    return this.identityError;
  }
}

/** Runs the verification of a handshake on certificates kept in a session. */
function verifyStored(chain: readonly Uint8Array[], ctx: SslContext, anchors: TrustStore, purpose: CertificatePurpose, hostname: string | null, callback: VerifyCallback): number {
  const identity = hostname === null ? null : serviceIdentity(hostname);
  return verifyCertificateChain(
    chain.map((der) => parseCertificateCached(der)),
    { provider: ctx.provider, anchors, time: new Date(ctx.clock()), purpose, identity, callback },
  ).code;
}

/**
 * The server side's `authorizationError` for a client, as node:tls: null when the client's
 * certificate verified, 'UNABLE_TO_GET_ISSUER_CERT' when it sent none (what node reports then),
 * else the code of the verification result (node's: the last problem found). A resumed
 * connection's certificate, kept in the session, is verified again with `anchors` when they are
 * known (node:tls keeps the first verdict instead and counts a resumed TLS 1.3 connection
 * without a certificate as verified; typessl does not).
 */
export function clientAuthorizationError(ssl: Ssl, ctx: SslContext, anchors: TrustStore | null): string | null {
  const chain = ssl.getPeerCertificates();
  if (chain.length === 0) return 'UNABLE_TO_GET_ISSUER_CERT';
  const code = ssl.sessionReused() && anchors ? verifyStored(chain, ctx, anchors, 'clientAuth', null, () => true) : ssl.getVerifyResult();
  return code === X509_V_OK ? null : nodeVerifyCode(code, chain.length);
}

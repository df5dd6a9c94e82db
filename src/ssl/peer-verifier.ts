/**
 * The glue between the engine's "here is the peer's chain" hook and the x509 verifier: parses the
 * chain, picks the purpose and the name to check, runs the verification at the context's clock,
 * hands the result to the connection (for getVerifyResult) and turns a failure into the right
 * alert with a message that says what to fix.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { PeerCertificateInfo } from '../engine/config.js';
import { AlertDescription } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import type { TrustStore } from '../x509/anchors.js';
import type { ParsedCertificate } from '../x509/certificate.js';
import { parseCertificateCached } from '../x509/parse-cache.js';
import { serviceIdentity, type ServiceIdentity } from '../x509/hostname.js';
import { verifyCertificateChain, type CertificatePurpose, type CertificateVerifyResult, type VerifyCallback, type VerifyPolicy } from '../x509/verify.js';
import { alertForVerifyError, verifyErrorName, verifyErrorString } from '../x509/verify-result.js';

/** Receives each verification's result (null: the peer sent no certificate). */
export type VerificationSink = (result: CertificateVerifyResult | null) => void;

export interface PeerVerifierOptions {
  provider: CryptoProvider;
  anchors: TrustStore;
  now: () => number;
  policy: Partial<VerifyPolicy>;
  callback?: VerifyCallback;
  sink?: VerificationSink;
}

/** What a client sends as SNI and checks the certificate against. */
export interface ClientNames {
  /** The SNI host name; undefined for an IP address (RFC 6066 3 forbids literal addresses) or no name. */
  sni: string | undefined;
  identity: ServiceIdentity | null;
}

/** The sentence of a failed verification, as `getVerifyResult` explains it. */
export function describeVerifyFailure(result: CertificateVerifyResult): string {
  return `certificate verify failed: ${verifyErrorName(result.code)} (${verifyErrorString(result.code)}) at depth ${result.depth}: ${result.message}`;
}

/** One connection's certificate verification. */
export class PeerVerifier {
  constructor(private readonly opts: PeerVerifierOptions) {}

  /**
   * The names a client uses. `host` (SSL_set1_host) is what the certificate must be for; without
   * it the server name is. The server name goes out as SNI unless it is an IP address. A client
   * that verifies needs a name: without one any valid certificate of any site would pass.
   */
  clientNames(serverName: string | null, host: string | null, skipVerification: boolean): ClientNames {
    const sniIdentity = serverName ? serviceIdentity(serverName) : null;
    if (serverName && !sniIdentity) throw new TlsFailure(null, Reason.SSL_R_BAD_VALUE, `the server name ${JSON.stringify(serverName)} is neither a DNS name nor an IP address`);
    const sni = sniIdentity?.kind === 'dns' ? sniIdentity.name : undefined;
    const wanted = host ?? serverName;
    if (!wanted) {
      if (skipVerification) return { sni, identity: null };
      throw new TlsFailure(
        null,
        'SSL_R_NO_SERVER_NAME_TO_VERIFY',
        'no name to check the server certificate against: call setServerName() (sent as SNI) or setHost() with the name or IP address you mean to reach',
      );
    }
    const identity = host ? serviceIdentity(host) : sniIdentity;
    if (!identity) throw new TlsFailure(null, Reason.SSL_R_BAD_VALUE, `the host ${JSON.stringify(host)} is neither a DNS name nor an IP address`);
    return { sni, identity };
  }

  /** Client side: verifies the server's chain; throws the alert unless verification is skipped. */
  verifyServer(info: PeerCertificateInfo, identity: ServiceIdentity | null, skipVerification: boolean): void {
    const result = this.run(info, 'serverAuth', identity);
    if (!result.ok && !skipVerification) throw this.failure(result);
  }

  /** Server side: verifies a client's chain (an empty chain is the engine's business). */
  verifyClient(info: PeerCertificateInfo): void {
    if (info.chain.length === 0) {
      this.opts.sink?.(null);
      return;
    }
    const result = this.run(info, 'clientAuth', null);
    if (!result.ok) throw this.failure(result);
  }

  private run(info: PeerCertificateInfo, purpose: CertificatePurpose, identity: ServiceIdentity | null): CertificateVerifyResult {
    // A certificate that does not parse is bad_certificate (thrown by the parser) in any mode.
    const chain: ParsedCertificate[] = info.chain.map((der) => parseCertificateCached(der));
    const result = verifyCertificateChain(chain, {
      provider: this.opts.provider,
      anchors: this.opts.anchors,
      time: new Date(this.opts.now()),
      purpose,
      identity,
      policy: this.opts.policy,
      ...(this.opts.callback && { callback: this.opts.callback }),
    });
    this.opts.sink?.(result);
    return result;
  }

  private failure(result: CertificateVerifyResult): TlsFailure {
    return new TlsFailure(alertForVerifyError(result.code) ?? AlertDescription.bad_certificate, Reason.SSL_R_CERTIFICATE_VERIFY_FAILED, describeVerifyFailure(result));
  }
}

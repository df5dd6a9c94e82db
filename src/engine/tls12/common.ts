/**
 * What the TLS 1.2 client and server share: the extensions a TLS 1.2-capable ClientHello carries,
 * which signature schemes and suites fit a key, the key block turned into record protection, and
 * the negotiated TLS 1.2 session state kept on the connection (for the exporter and, later,
 * resumption).
 */
import type { CryptoProvider, PrivateKey, PublicKey } from '../../crypto/provider.js';
import { schemeMatchesKey } from '../../crypto/schemes.js';
import type { SuiteInfo } from '../../crypto/suites.js';
import { AlertDescription, ClientCertificateType, ExtensionType, SignatureScheme } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import { encodeEcPointFormats, encodeRenegotiationInfo } from '../../wire/extensions.js';
import type { Extension } from '../../wire/messages.js';
import type { EngineConfig } from '../config.js';
import type { Connection } from '../connection.js';
import { RecordProtection12 } from '../record/protect12.js';
import { keyBlock } from './prf.js';

/** ECPointFormat.uncompressed (RFC 8422 5.1.2): the only point format TLS 1.2 peers may use now. */
export const POINT_FORMAT_UNCOMPRESSED = 0;

/**
 * The TLS 1.2 session as negotiated: enough for the RFC 5705 exporter now and for session
 * resumption later (session ID or ticket, master secret, whether it is an extended one).
 */
export interface Tls12Session {
  /** The session ID the server chose (may be empty). */
  sessionId: Uint8Array;
  masterSecret: Uint8Array;
  /** Whether the master secret is the RFC 7627 extended one. */
  extendedMasterSecret: boolean;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  suite: SuiteInfo;
  /** Whether both sides did RFC 5746 secure renegotiation signalling. */
  secureRenegotiation: boolean;
}

/**
 * Extensions a ClientHello carries so a TLS 1.2 server can answer it: uncompressed points only
 * (RFC 8422 5.1.2), the extended master secret (RFC 7627 5.1) and an empty renegotiation_info
 * (RFC 5746 3.4; we never renegotiate, so it is always empty).
 */
export function tls12ClientHelloExtensions(): Extension[] {
  return [
    { type: ExtensionType.ec_point_formats, data: encodeEcPointFormats([POINT_FORMAT_UNCOMPRESSED]) },
    { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
    { type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo(new Uint8Array(0)) },
  ];
}

/**
 * The session_ticket extension of a TLS 1.2-capable ClientHello (RFC 5077 3.2): the ticket being
 * offered, or empty to say we take a new one; null when tickets are off and there is none to offer.
 */
export function sessionTicketExtension(cfg: EngineConfig): Extension | null {
  const ticket = cfg.resumption12?.ticket ?? null;
  if (ticket) return { type: ExtensionType.session_ticket, data: ticket };
  return cfg.sessionTickets12 ? { type: ExtensionType.session_ticket, data: new Uint8Array(0) } : null;
}

/** Signature schemes a key can make in TLS 1.2 handshakes, in our preference order. */
const TLS12_CANDIDATES: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pss_pss_sha256,
  SignatureScheme.rsa_pss_pss_sha384,
  SignatureScheme.rsa_pss_pss_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/**
 * The schemes `key` can sign or verify TLS 1.2 handshake signatures with. ECDSA code points name
 * only the hash in TLS 1.2, so an ECDSA key may use any of them (RFC 5246 7.4.1.4.1); RSA keys may
 * also use PKCS#1 v1.5; SHA-1 is never used.
 */
export function tls12SchemesForKey(key: PrivateKey | PublicKey): number[] {
  return TLS12_CANDIDATES.filter((s) => schemeMatchesKey(s, key, true));
}

/**
 * The schemes among `configured` that may sign TLS 1.2 handshake messages (no SHA-1), in the same
 * order: what a CertificateRequest offers and a CertificateVerify may use.
 */
export function tls12HandshakeSchemes(configured: readonly number[]): number[] {
  return configured.filter((s) => TLS12_CANDIDATES.includes(s));
}

/**
 * The ClientCertificateType a key answers to (RFC 5246 7.4.4; RFC 8422 5.5 puts EdDSA under
 * ecdsa_sign), or null for a key no TLS 1.2 certificate type covers.
 */
export function clientCertificateTypeOf(key: PrivateKey | PublicKey): number | null {
  if (key.type === 'rsa' || key.type === 'rsa-pss') return ClientCertificateType.rsa_sign;
  if (key.type === 'ec' || key.type === 'ed25519') return ClientCertificateType.ecdsa_sign;
  return null;
}

/**
 * Checks a client's TLS 1.2 CertificateVerify (RFC 5246 7.4.8): the scheme must be one the
 * CertificateRequest offered and fit the certificate's key (illegal_parameter otherwise, as for a
 * ServerKeyExchange), and the signature must verify over all handshake messages before it
 * (decrypt_error otherwise).
 */
export function checkClientCertificateVerify12(provider: CryptoProvider, offered: readonly number[], key: PublicKey, scheme: number, signature: Uint8Array, messages: Uint8Array): void {
  if (!offered.includes(scheme) || !tls12SchemesForKey(key).includes(scheme)) {
    throw new TlsFailure(
      AlertDescription.illegal_parameter,
      Reason.SSL_R_WRONG_SIGNATURE_TYPE,
      `the client's CertificateVerify uses signature scheme 0x${scheme.toString(16).padStart(4, '0')}, which the CertificateRequest did not offer or which does not fit its ${key.type} certificate key`,
    );
  }
  if (!provider.verify(scheme, key, messages, signature, true)) {
    throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_BAD_SIGNATURE, "the client's CertificateVerify signature does not verify with its certificate's key (wrong private key for the certificate?)");
  }
}

/** Whether a TLS 1.2 suite's authentication fits a certificate key (ECDHE_ECDSA: EC or Ed25519; ECDHE_RSA: RSA). */
export function suiteFitsKey(suite: SuiteInfo, key: PrivateKey | PublicKey): boolean {
  if (suite.auth === 'ecdsa') return key.type === 'ec' || key.type === 'ed25519';
  if (suite.auth === 'rsa') return key.type === 'rsa' || key.type === 'rsa-pss';
  return false;
}

/**
 * The ServerKeyExchange signature input (RFC 8422 5.4): client_random || server_random ||
 * ServerECDHParams.
 */
export function serverKeyExchangeSigned(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + params.length);
  out.set(clientRandom, 0);
  out.set(serverRandom, 32);
  out.set(params, 64);
  return out;
}

/** Both directions' record protection from the master secret (RFC 5246 6.3). */
function tls12Protections(conn: Connection, session: Tls12Session): Record<Side, RecordProtection12> {
  const provider = conn.config.provider;
  const { suite } = session;
  const kb = keyBlock(provider, suite.hash, session.masterSecret, session.clientRandom, session.serverRandom, suite.keyLength, suite.fixedIvLength);
  return {
    client: new RecordProtection12(provider.createAead(suite.aead, kb.clientWriteKey), kb.clientWriteIv),
    server: new RecordProtection12(provider.createAead(suite.aead, kb.serverWriteKey), kb.serverWriteIv),
  };
}

type Side = 'client' | 'server';

/**
 * The record protections of one TLS 1.2 handshake, made from a single key block: each side's
 * change_cipher_spec (ours sent, the peer's received) takes its direction from here. Deriving the
 * key block once instead of per direction saves its PRF (four HMACs with SHA-256) and two AEAD
 * contexts per handshake. The first take derives both and keeps the other direction for the
 * second take of the same session; anything else derives afresh.
 */
export class PendingProtections12 {
  private pending: { session: Tls12Session; writer: Side; protection: RecordProtection12 } | null = null;

  constructor(private readonly conn: Connection) {}

  /** The protection of the records `writer` sends, for the session this handshake negotiated. */
  take(session: Tls12Session, writer: Side): RecordProtection12 {
    const kept = this.pending;
    this.pending = null;
    if (kept !== null && kept.session === session && kept.writer === writer) return kept.protection;
    const both = tls12Protections(this.conn, session);
    const other: Side = writer === 'client' ? 'server' : 'client';
    this.pending = { session, writer: other, protection: both[other] };
    return both[writer];
  }
}

/** unexpected_message for a change_cipher_spec that arrives where no key change is due. */
export function ccsOutOfPlace(state: string): TlsFailure {
  return new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_CCS_RECEIVED_EARLY, `change_cipher_spec in state ${state}`);
}

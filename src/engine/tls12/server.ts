import { suiteInfo, type SuiteInfo } from '../../crypto/suites.js';
import type { PublicKey } from '../../crypto/provider.js';
import { AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import {
  decodeAlpn,
  decodeEcPointFormats,
  decodeRecordSizeLimit,
  decodeRenegotiationInfo,
  decodeServerNameList,
  decodeU16List,
  encodeAlpn,
  encodeEcPointFormats,
  encodeRecordSizeLimit,
  encodeRenegotiationInfo,
} from '../../wire/extensions.js';
import {
  decodeCertificateTls12,
  decodeCertificateVerify,
  decodeClientHello,
  decodeClientKeyExchangeEcdhe,
  decodeFinished,
  encodeCertificateRequestTls12,
  encodeCertificateTls12,
  encodeEcdheParams,
  encodeFinished,
  encodeNewSessionTicketTls12,
  encodeServerHello,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
} from '../../wire/handshake.js';
import { DOWNGRADE_TLS12, type ClientHello, type Extension, type HandshakeMessage, type ServerHello } from '../../wire/messages.js';
import type { Resumable12, Ticket12ToSend } from '../config.js';
import type { Connection, HandshakeMachine } from '../connection.js';
import { equalBytes } from '../../crypto/equal-bytes.js';
import { leafPublicKey } from '../tls13/common.js';
import { tls12Suites, tls13Enabled } from '../version-range.js';
import {
  PendingProtections12,
  POINT_FORMAT_UNCOMPRESSED,
  ccsOutOfPlace,
  checkClientCertificateVerify12,
  serverKeyExchangeSigned,
  suiteFitsKey,
  tls12HandshakeSchemes,
  tls12SchemesForKey,
  type Tls12Session,
} from './common.js';
import { ChainMessageCache } from '../chain-message-cache.js';
import { extendedMasterSecret, finishedVerifyData12, masterSecret } from './prf.js';

type State =
  | 'wait_client_hello'
  | 'wait_client_certificate'
  | 'wait_client_key_exchange'
  | 'wait_certificate_verify'
  | 'wait_change_cipher_spec'
  | 'wait_finished'
  | 'traffic';

/** The named group of each ECDSA certificate curve. */
const CURVE_GROUPS: Record<string, number> = { 'P-256': NamedGroup.secp256r1, 'P-384': NamedGroup.secp384r1, 'P-521': NamedGroup.secp521r1 };

/** Renegotiation attempts (ClientHellos after the handshake) we refuse before giving up on the peer. */
const MAX_RENEGOTIATION_ATTEMPTS = 4;
/** Our Certificate message, encoded once per chain (see ChainMessageCache). */
const CERTIFICATE_MESSAGES = new ChainMessageCache();

function illegal(detail: string, reason: Reason = Reason.SSL_R_BAD_EXTENSION): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, reason, detail);
}

/** What the server takes from a TLS 1.2 ClientHello. */
interface HelloFacts {
  hello: ClientHello;
  groups: number[] | null;
  schemes: number[] | null;
  serverName: string | null;
  alpn: string[] | null;
  recordSizeLimit: number | null;
  extendedMasterSecret: boolean;
  secureRenegotiation: boolean;
  /** The session_ticket extension (RFC 5077): null when absent, empty when the client has no ticket. */
  ticket: Uint8Array | null;
}

/**
 * The TLS 1.2 server handshake (RFC 5246 7.3, RFC 8422, RFC 7627, RFC 5746): full ECDHE
 * handshakes with a certificate, one state per expected message. Started by
 * `ServerVersionDispatch` with the ClientHello once TLS 1.2 has been chosen.
 */
export class Tls12Server implements HandshakeMachine {
  private state: State = 'wait_client_hello';
  private suite!: SuiteInfo;
  private clientRandom!: Uint8Array;
  private serverRandom!: Uint8Array;
  private share: ReturnType<Connection['config']['provider']['generateKeyShare']> | null = null;
  private extendedMaster = false;
  private secureRenegotiation = false;
  private session: Tls12Session | null = null;
  /** Both directions' record protection, made once when the first change_cipher_spec is due. */
  private readonly protections: PendingProtections12;
  private renegotiationAttempts = 0;
  /** The schemes our CertificateRequest offered (null: no client certificate was asked for). */
  private requestedSchemes: number[] | null = null;
  /** The client's leaf key, between its Certificate and its CertificateVerify. */
  private clientKey: PublicKey | null = null;
  /** An abbreviated handshake (RFC 5246 7.3): the client's Finished ends it. */
  private resumed = false;
  /** Full handshake: the client takes a ticket, sent before our change_cipher_spec (RFC 5077 3.3). */
  private ticketPromised = false;

  constructor(private readonly conn: Connection) {
    this.protections = new PendingProtections12(conn);
  }

  start(): void {
    // The server waits for the ClientHello.
  }

  handle(m: HandshakeMessage): void {
    switch (this.state) {
      case 'wait_client_hello':
        if (m.type === HandshakeType.client_hello) return this.onClientHello(m);
        break;
      case 'wait_client_certificate':
        if (m.type === HandshakeType.certificate) return this.onClientCertificate(m);
        if (m.type === HandshakeType.client_key_exchange) return this.onMissingClientCertificate(m);
        break;
      case 'wait_client_key_exchange':
        if (m.type === HandshakeType.client_key_exchange) return this.onClientKeyExchange(m);
        break;
      case 'wait_certificate_verify':
        if (m.type === HandshakeType.certificate_verify) return this.onClientCertificateVerify(m);
        break;
      case 'wait_finished':
        if (m.type === HandshakeType.finished) return this.onFinished(m);
        break;
      case 'traffic':
        if (m.type === HandshakeType.client_hello) return this.refuseRenegotiation(m);
        break;
      default:
        break;
    }
    throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} in TLS 1.2 state ${this.state}`);
  }

  changeCipherSpec(): void {
    if (this.state === 'wait_certificate_verify') {
      throw new TlsFailure(
        AlertDescription.unexpected_message,
        Reason.SSL_R_MISSING_VERIFY_MESSAGE,
        'the client sent a certificate but no CertificateVerify to prove it holds its private key (RFC 5246 7.4.8)',
      );
    }
    if (this.state !== 'wait_change_cipher_spec') throw ccsOutOfPlace(this.state);
    this.conn.setReadProtection(this.protections.take(this.session!, 'client'));
    this.state = 'wait_finished';
  }

  private readHello(m: HandshakeMessage, hello: ClientHello = decodeClientHello(m.body)): HelloFacts {
    const exts = new Map<number, Extension>();
    for (const e of hello.extensions) exts.set(e.type, e);
    if (!hello.legacyCompressionMethods.includes(0)) {
      throw new TlsFailure(AlertDescription.decode_error, Reason.SSL_R_NO_COMPRESSION_SPECIFIED, 'the client does not offer the null compression method');
    }
    const points = exts.get(ExtensionType.ec_point_formats);
    if (points && !decodeEcPointFormats(points.data).includes(POINT_FORMAT_UNCOMPRESSED)) {
      throw illegal('the client does not accept uncompressed points', Reason.SSL_R_TLS_INVALID_ECPOINTFORMAT_LIST);
    }
    const groups = exts.get(ExtensionType.supported_groups);
    const sigs = exts.get(ExtensionType.signature_algorithms);
    const sni = exts.get(ExtensionType.server_name);
    const alpn = exts.get(ExtensionType.application_layer_protocol_negotiation);
    const rsl = exts.get(ExtensionType.record_size_limit);
    const ems = exts.get(ExtensionType.extended_master_secret);
    if (ems && ems.data.length !== 0) throw new TlsFailure(AlertDescription.decode_error, Reason.SSL_R_BAD_EXTENSION, 'extended_master_secret must be empty');
    const reneg = exts.get(ExtensionType.renegotiation_info);
    if (reneg && decodeRenegotiationInfo(reneg.data).length !== 0) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_RENEGOTIATION_MISMATCH, 'renegotiation_info is not empty on a first handshake');
    }
    const ticket = exts.get(ExtensionType.session_ticket);
    return {
      ticket: ticket ? ticket.data : null,
      hello,
      groups: groups ? decodeU16List(groups.data, 'supported_groups') : null,
      schemes: sigs ? decodeU16List(sigs.data, 'signature_algorithms') : null,
      serverName: sni ? decodeServerNameList(sni.data) : null,
      alpn: alpn ? decodeAlpn(alpn.data) : null,
      recordSizeLimit: rsl ? decodeRecordSizeLimit(rsl.data) : null,
      extendedMasterSecret: ems !== undefined,
      // RFC 5746 3.6: the extension or the SCSV.
      secureRenegotiation: reneg !== undefined || hello.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    };
  }

  /** The first ClientHello, decoded by ServerVersionDispatch, which chose this version from it. */
  handleFirstClientHello(m: HandshakeMessage, hello: ClientHello): void {
    this.onClientHello(m, hello);
  }

  private onClientHello(m: HandshakeMessage, decoded?: ClientHello): void {
    const cfg = this.conn.config;
    const provider = cfg.provider;
    const facts = this.readHello(m, decoded);
    const hello = facts.hello;
    if (!facts.extendedMasterSecret && cfg.requireExtendedMasterSecret !== false) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_EXTENDED_MASTER_SECRET_REQUIRED, 'the client does not offer the extended master secret (RFC 7627)');
    }
    const found = this.findSession(facts);
    if (found) return this.resume(m, facts, found);

    const ck = cfg.certifiedKey;
    if (!ck) throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_CERTIFICATE_SET, 'the server has no certificate');
    // RFC 5246 7.4.1.4.1: without signature_algorithms only SHA-1 would be allowed, which we never use.
    const clientSchemes = facts.schemes ?? [];
    const scheme = clientSchemes.find((s) => cfg.signatureSchemes.includes(s) && tls12SchemesForKey(ck.key).includes(s));

    // Cipher suite: the client's order among ours that fit our key (as the TLS 1.3 server).
    const ours = tls12Suites(cfg);
    // An ECDSA certificate's curve must be one the client named (RFC 8422 5.1.1; OpenSSL checks it).
    const curveGroup = ck.key.type === 'ec' ? CURVE_GROUPS[ck.key.curve ?? ''] : undefined;
    const certCurveOk = curveGroup === undefined || facts.groups === null || facts.groups.includes(curveGroup);
    const suiteId = hello.cipherSuites.find((s) => ours.includes(s) && suiteFitsKey(suiteInfo(s)!, ck.key) && certCurveOk);
    if (suiteId === undefined) {
      const known = hello.cipherSuites.some((s) => suiteInfo(s)?.version === 'TLSv1.2');
      throw new TlsFailure(
        AlertDescription.handshake_failure,
        Reason.SSL_R_NO_SHARED_CIPHER,
        known
          ? `no TLS 1.2 cipher suite in common that fits the server's ${ck.key.type}${ck.key.curve ? ` ${ck.key.curve}` : ''} certificate${certCurveOk ? '' : ' (the client does not support its curve)'}`
          : 'no TLS 1.2 cipher suite in common: typessl offers only ECDHE with AES-GCM or ChaCha20-Poly1305 (no RSA key transport, CBC, NULL or export suites)',
      );
    }
    if (scheme === undefined) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS, 'no signature scheme in common for the server key');
    }
    // Group: the client's order among ours; a client without supported_groups accepts any (RFC 8422 4).
    const group = (facts.groups ?? cfg.groups).find((g) => cfg.groups.includes(g) && provider.supportsGroup(g));
    if (group === undefined) throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_NO_SHARED_GROUPS, 'no key exchange group in common');

    const suite = suiteInfo(suiteId)!;
    const alpn = this.adoptHello(facts, suite, facts.extendedMasterSecret);
    const negotiated = this.conn.negotiated;
    negotiated.group = group;
    negotiated.signatureScheme = scheme;
    // A client CertificateVerify signs the raw handshake messages from the ClientHello on.
    if (cfg.clientCertificates !== undefined) this.conn.transcript.keepMessages();
    this.conn.transcript.add(m.raw);

    // ServerHello. A server that could have spoken TLS 1.3 says it negotiated down (RFC 8446 4.1.3).
    const random = provider.randomBytes(32);
    if (tls13Enabled(cfg)) random.set(DOWNGRADE_TLS12, 24);
    this.serverRandom = random;
    // A client that sent session_ticket gets a ticket when we issue them (RFC 5077 3.2).
    this.ticketPromised = facts.ticket !== null && cfg.issueTicket12 !== undefined;
    const ext = this.helloExtensions(facts, alpn, { serverName: facts.serverName !== null, ticket: this.ticketPromised });
    // A fresh session ID names this session for a later resumption (RFC 5246 7.4.1.3), unless
    // there is no session cache to find it in.
    const sessionId = cfg.omitSessionId12 ? new Uint8Array(0) : provider.randomBytes(32);
    let sh: ServerHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random,
      legacySessionIdEcho: sessionId,
      cipherSuite: suite.id,
      legacyCompressionMethod: 0,
      extensions: ext,
    };
    if (cfg.hooks?.serverHello) sh = cfg.hooks.serverHello(sh);
    this.serverRandom = sh.random;
    this.conn.sendHandshake(encodeServerHello(sh));
    this.conn.sendHandshake(CERTIFICATE_MESSAGES.get(ck.chain, (chain) => encodeCertificateTls12({ chain: chain.slice() })));

    // ServerKeyExchange: our ephemeral key, signed with the randoms (RFC 8422 5.4).
    const share = provider.generateKeyShare(group);
    this.share = share;
    const params = encodeEcdheParams(group, share.publicKey);
    const signature = provider.sign(scheme, ck.key, serverKeyExchangeSigned(this.clientRandom, this.serverRandom, params), true);
    this.conn.sendHandshake(encodeServerKeyExchangeEcdhe({ group, publicKey: share.publicKey, scheme, signature }));
    if (cfg.clientCertificates !== undefined) this.sendCertificateRequest();
    this.conn.sendHandshake(encodeServerHelloDone());
    this.session = {
      sessionId: sh.legacySessionIdEcho,
      masterSecret: new Uint8Array(0),
      extendedMasterSecret: this.extendedMaster,
      clientRandom: this.clientRandom,
      serverRandom: this.serverRandom,
      suite,
      secureRenegotiation: this.secureRenegotiation,
    };
    this.state = this.requestedSchemes ? 'wait_client_certificate' : 'wait_client_key_exchange';
  }

  /**
   * RFC 5246 7.4.4: the key types we take (RSA, and ECDSA / EdDSA per RFC 8422 5.5), the schemes a
   * TLS 1.2 CertificateVerify may use, and the CA names we trust (when configured to send them).
   */
  private sendCertificateRequest(): void {
    const cfg = this.conn.config;
    const schemes = tls12HandshakeSchemes(cfg.signatureSchemes);
    this.conn.sendHandshake(
      encodeCertificateRequestTls12({
        certificateTypes: new Uint8Array([ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign]),
        signatureAlgorithms: schemes,
        certificateAuthorities: cfg.clientCertificates!.certificateAuthorities,
      }),
    );
    this.requestedSchemes = schemes;
    this.conn.negotiated.certificateRequested = true;
  }

  /** The client's Certificate (RFC 5246 7.4.6), possibly empty; a chain is verified at once. */
  private onClientCertificate(m: HandshakeMessage): void {
    const cfg = this.conn.config;
    const { chain } = decodeCertificateTls12(m.body);
    this.conn.negotiated.peerCertificates = chain;
    if (chain.length === 0) {
      this.noClientCertificate();
    } else {
      if (!cfg.verifyPeer) throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_VERIFICATION_CONFIGURED, 'no way to verify client certificates was configured');
      cfg.verifyPeer({ chain, serverName: null });
      this.clientKey = leafPublicKey(cfg.provider, chain[0]!);
    }
    this.conn.transcript.add(m.raw);
    this.state = 'wait_client_key_exchange';
  }

  /**
   * A ClientKeyExchange where the requested Certificate should be. RFC 5246 7.4.6 wants an empty
   * Certificate instead, but like OpenSSL we take this as "no certificate" (some old clients do it).
   */
  private onMissingClientCertificate(m: HandshakeMessage): void {
    this.noClientCertificate();
    this.onClientKeyExchange(m);
  }

  /** No client certificate: recorded, and fatal under SSL_VERIFY_FAIL_IF_NO_PEER_CERT. */
  private noClientCertificate(): void {
    const cfg = this.conn.config;
    cfg.verifyPeer?.({ chain: [], serverName: null });
    if (cfg.clientCertificates!.required) {
      // TLS 1.2 has no certificate_required alert; OpenSSL sends handshake_failure here.
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, 'the client sent no certificate, and this server requires one (SSL_VERIFY_FAIL_IF_NO_PEER_CERT)');
    }
    // Nothing left to sign: the raw messages are no longer needed.
    this.conn.transcript.dropKeptMessages();
  }

  /** RFC 5246 7.4.8: the client proves it holds the key of the certificate it sent. */
  private onClientCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    const transcript = this.conn.transcript;
    checkClientCertificateVerify12(this.conn.config.provider, this.requestedSchemes!, this.clientKey!, cv.scheme, cv.signature, transcript.keptMessages());
    this.conn.negotiated.peerSignatureScheme = cv.scheme;
    transcript.dropKeptMessages();
    transcript.add(m.raw);
    this.clientKey = null;
    this.state = 'wait_change_cipher_spec';
  }

  private onClientKeyExchange(m: HandshakeMessage): void {
    const provider = this.conn.config.provider;
    const cke = decodeClientKeyExchangeEcdhe(m.body);
    const preMaster = this.share!.deriveSecret(cke.publicKey);
    this.share = null;
    this.conn.transcript.add(m.raw);
    const session = this.session!;
    session.masterSecret = this.extendedMaster
      ? extendedMasterSecret(provider, this.suite.hash, preMaster, this.conn.transcript.current())
      : masterSecret(provider, this.suite.hash, preMaster, this.clientRandom, this.serverRandom);
    this.conn.tls12 = session;
    this.conn.logSecret('CLIENT_RANDOM', session.masterSecret);
    this.state = this.clientKey ? 'wait_certificate_verify' : 'wait_change_cipher_spec';
  }

  private onFinished(m: HandshakeMessage): void {
    const provider = this.conn.config.provider;
    const session = this.session!;
    const fin = decodeFinished(m.body, 12);
    const expected = finishedVerifyData12(provider, this.suite.hash, session.masterSecret, 'client', this.conn.transcript.current());
    if (!equalBytes(expected, fin.verifyData)) {
      throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_DIGEST_CHECK_FAILED, 'client Finished does not match the transcript');
    }
    this.conn.finishedReceived = fin.verifyData;
    this.conn.transcript.add(m.raw);
    if (!this.resumed) {
      if (this.ticketPromised) this.sendTicket();
      this.sendFinished();
    }
    this.conn.handshakeComplete = true;
    this.state = 'traffic';
  }

  /** Our change_cipher_spec and Finished (after the client's in a full handshake, first in an abbreviated one). */
  private sendFinished(): void {
    const session = this.session!;
    this.conn.sendCompatibilityCcs();
    this.conn.setWriteProtection(this.protections.take(session, 'server'));
    const verifyData = finishedVerifyData12(this.conn.config.provider, this.suite.hash, session.masterSecret, 'server', this.conn.transcript.current());
    this.conn.finishedSent = verifyData;
    this.conn.sendHandshake(encodeFinished({ verifyData }));
    this.conn.flushHandshake();
  }

  /** NewSessionTicket (RFC 5077 3.3); an empty ticket when none can be made after all. */
  private sendTicket(): void {
    let ticket: Ticket12ToSend | null = null;
    try {
      ticket = this.conn.config.issueTicket12?.() ?? null;
    } catch {
      // A ticket is an optimisation: failing to make one must not fail the handshake.
      ticket = null;
    }
    this.conn.sendHandshake(encodeNewSessionTicketTls12(ticket && ticket.ticket.length <= 0xffff ? ticket : { lifetimeHint: 0, ticket: new Uint8Array(0) }));
  }

  /** ALPN (RFC 7301 3.2): our preference among the client's; no overlap is fatal. */
  private chooseAlpn(facts: HelloFacts): string | null {
    const cfg = this.conn.config;
    if (!facts.alpn || cfg.alpnProtocols.length === 0) return null;
    const alpn = cfg.alpnProtocols.find((p) => facts.alpn!.includes(p)) ?? null;
    if (alpn === null) throw new TlsFailure(AlertDescription.no_application_protocol, Reason.SSL_R_NO_APPLICATION_PROTOCOL, 'no ALPN protocol in common');
    return alpn;
  }

  /** The ServerHello's extensions: what the client offered and we do. */
  private helloExtensions(facts: HelloFacts, alpn: string | null, options: { serverName: boolean; ticket: boolean }): Extension[] {
    const cfg = this.conn.config;
    const ext: Extension[] = [];
    if (facts.secureRenegotiation) ext.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo(new Uint8Array(0)) });
    if (facts.extendedMasterSecret) ext.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    if (options.serverName) ext.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    if (alpn !== null) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([alpn]) });
    if (facts.hello.extensions.some((e) => e.type === ExtensionType.ec_point_formats)) {
      ext.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats([POINT_FORMAT_UNCOMPRESSED]) });
    }
    if (facts.recordSizeLimit !== null && cfg.recordSizeLimit !== undefined) {
      // TLS 1.2 counts only the plaintext, so our 1.3-style limit (content type byte included) loses one.
      ext.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(Math.min(cfg.recordSizeLimit, 16384)) });
      // Once sent, the limit binds the client's records (RFC 8449 4).
      this.conn.limitReceivedRecords(Math.min(cfg.recordSizeLimit, 16384));
    }
    if (options.ticket) ext.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
    return ext;
  }

  /**
   * The session the ClientHello asks to resume, if it may be: found (ticket or session ID), made
   * with the extended master secret, and its cipher suite offered and still enabled (RFC 5246
   * 7.4.1.2). A session without EMS is never resumed (RFC 7627 5.3: a full handshake instead);
   * one with EMS asked for by a client that no longer offers it aborts the handshake.
   */
  private findSession(facts: HelloFacts): Resumable12 | null {
    const cfg = this.conn.config;
    const hello = facts.hello;
    const ticket = facts.ticket !== null && facts.ticket.length > 0 ? facts.ticket : null;
    if (!cfg.lookupSession12 || (hello.legacySessionId.length === 0 && !ticket)) return null;
    let found: Resumable12 | null;
    try {
      found = cfg.lookupSession12({ sessionId: hello.legacySessionId, ticket: facts.ticket, serverName: facts.serverName });
    } catch {
      found = null;
    }
    if (!found) return null;
    if (found.extendedMasterSecret && !facts.extendedMasterSecret) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_INCONSISTENT_EXTMS, 'the client asks to resume a session made with the extended master secret without offering it (RFC 7627 5.3)');
    }
    if (!found.extendedMasterSecret) return null;
    if (!hello.cipherSuites.includes(found.suite.id) || !tls12Suites(cfg).includes(found.suite.id)) return null;
    return found;
  }

  /**
   * What a full and an abbreviated handshake both take from the ClientHello once the suite is
   * chosen: randoms, negotiated parameters, the peer's record_size_limit, the transcript's hash.
   * Returns the ALPN protocol chosen.
   */
  private adoptHello(facts: HelloFacts, suite: SuiteInfo, extendedMaster: boolean): string | null {
    const alpn = this.chooseAlpn(facts);
    this.suite = suite;
    this.extendedMaster = extendedMaster;
    this.secureRenegotiation = facts.secureRenegotiation;
    this.clientRandom = facts.hello.random;
    this.conn.clientRandom = facts.hello.random;
    const negotiated = this.conn.negotiated;
    negotiated.version = 'TLSv1.2';
    negotiated.suite = suite;
    negotiated.alpn = alpn;
    negotiated.serverName = facts.serverName;
    if (facts.recordSizeLimit !== null) this.conn.maxSendFragment = Math.min(this.conn.maxSendFragment, facts.recordSizeLimit);
    this.conn.transcript.start(suite.hash);
    return alpn;
  }

  /**
   * The abbreviated handshake (RFC 5246 7.3): ServerHello echoing the client's session ID,
   * [NewSessionTicket when the ticket is renewed], ChangeCipherSpec, Finished; the client's
   * ChangeCipherSpec and Finished complete it. No certificate, no key exchange.
   */
  private resume(m: HandshakeMessage, facts: HelloFacts, found: Resumable12): void {
    const cfg = this.conn.config;
    const hello = facts.hello;
    const suite = found.suite;
    this.resumed = true;
    const alpn = this.adoptHello(facts, suite, true);
    const negotiated = this.conn.negotiated;
    negotiated.resumed = true;
    negotiated.peerCertificates = found.peerCertificates.slice();
    this.conn.resumedFrom = found.state ?? null;
    this.conn.transcript.add(m.raw);

    const random = cfg.provider.randomBytes(32);
    if (tls13Enabled(cfg)) random.set(DOWNGRADE_TLS12, 24);
    const renew = found.renewTicket && facts.ticket !== null && cfg.issueTicket12 !== undefined;
    // RFC 6066 3: no server_name in the ServerHello of a resumed session.
    let sh: ServerHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random,
      legacySessionIdEcho: hello.legacySessionId,
      cipherSuite: suite.id,
      legacyCompressionMethod: 0,
      extensions: this.helloExtensions(facts, alpn, { serverName: false, ticket: renew }),
    };
    if (cfg.hooks?.serverHello) sh = cfg.hooks.serverHello(sh);
    this.serverRandom = sh.random;
    this.conn.sendHandshake(encodeServerHello(sh));
    this.session = {
      sessionId: sh.legacySessionIdEcho,
      masterSecret: found.masterSecret,
      extendedMasterSecret: true,
      clientRandom: this.clientRandom,
      serverRandom: this.serverRandom,
      suite,
      secureRenegotiation: this.secureRenegotiation,
    };
    this.conn.tls12 = this.session;
    this.conn.logSecret('CLIENT_RANDOM', found.masterSecret);
    if (renew) this.sendTicket();
    this.sendFinished();
    this.state = 'wait_change_cipher_spec';
  }

  /**
   * A ClientHello after the handshake is a renegotiation, which typessl never does: a warning
   * no_renegotiation lets the client carry on (RFC 5246 7.4.1.2, as OpenSSL 3). A client that
   * keeps asking is cut off.
   */
  private refuseRenegotiation(m: HandshakeMessage): void {
    decodeClientHello(m.body);
    if (++this.renegotiationAttempts > MAX_RENEGOTIATION_ATTEMPTS) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_RENEGOTIATION_NOT_SUPPORTED, `${this.renegotiationAttempts} renegotiation attempts`);
    }
    if (!this.conn.closeNotifySent && !this.conn.writeClosed) this.conn.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
  }
}

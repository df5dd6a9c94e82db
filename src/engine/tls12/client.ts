import type { PublicKey } from '../../crypto/provider.js';
import { suiteInfo, type SuiteInfo } from '../../crypto/suites.js';
import { AlertDescription, AlertLevel, ExtensionType, HandshakeType, ProtocolVersion } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import {
  decodeAlpn,
  decodeEcPointFormats,
  decodeRecordSizeLimit,
  decodeRenegotiationInfo,
  encodeAlpn,
  encodeRecordSizeLimit,
  encodeServerNameList,
  encodeU16List,
  expectEmpty,
} from '../../wire/extensions.js';
import {
  decodeCertificateRequestTls12,
  decodeCertificateTls12,
  decodeFinished,
  decodeHelloRequest,
  decodeNewSessionTicketTls12,
  decodeServerHello,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
  encodeCertificateTls12,
  encodeCertificateVerify,
  encodeClientHello,
  encodeClientKeyExchangeEcdhe,
  encodeFinished,
} from '../../wire/handshake.js';
import type { ClientHello, Extension, HandshakeMessage } from '../../wire/messages.js';
import type { Resumption12Offer } from '../config.js';
import type { Connection, HandshakeMachine } from '../connection.js';
import { concatBytes } from '../bytes.js';
import { equalBytes } from '../../crypto/equal-bytes.js';
import { leafPublicKey, checkSolicited } from '../tls13/common.js';
import { tls12Suites } from '../version-range.js';
import { clientAcceptsTls12 } from '../versions.js';
import {
  PendingProtections12,
  POINT_FORMAT_UNCOMPRESSED,
  ccsOutOfPlace,
  clientCertificateTypeOf,
  serverKeyExchangeSigned,
  sessionTicketExtension,
  suiteFitsKey,
  tls12ClientHelloExtensions,
  tls12SchemesForKey,
  type Tls12Session,
} from './common.js';
import { extendedMasterSecret, finishedVerifyData12, masterSecret } from './prf.js';

type State =
  | 'start'
  | 'wait_server_hello'
  | 'wait_certificate'
  | 'wait_server_key_exchange'
  | 'wait_certificate_request_or_done'
  | 'wait_server_hello_done'
  | 'wait_new_session_ticket'
  | 'wait_change_cipher_spec'
  | 'wait_finished'
  | 'traffic';

/** What a ClientHello already sent offered, when the TLS 1.3 machine hands over to this one. */
export interface ClientOffer {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  /** Extension types the ClientHello carried. */
  extensions: ReadonlySet<number>;
  /** The ClientHello as sent (header included), for a client CertificateVerify. */
  raw: Uint8Array;
}

function illegal(detail: string, reason: string = Reason.SSL_R_BAD_EXTENSION): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, reason as Reason, detail);
}

/**
 * The TLS 1.2 client handshake (RFC 5246 7.3, RFC 8422, RFC 7627, RFC 5746): a full ECDHE
 * handshake, one state per expected message; anything else is an unexpected_message. It either
 * sends its own ClientHello (a client limited to TLS 1.2) or continues from the ClientHello the
 * TLS 1.3 machine sent when the server chose TLS 1.2 (`Tls12Client.continueFrom`).
 */
export class Tls12Client implements HandshakeMachine {
  private state: State = 'start';
  private offer: ClientOffer | null = null;
  private suite!: SuiteInfo;
  private serverRandom!: Uint8Array;
  private serverSessionId: Uint8Array = new Uint8Array(0);
  private extendedMaster = false;
  private secureRenegotiation = false;
  private peerKey: PublicKey | null = null;
  private preMaster: Uint8Array | null = null;
  private ourPublic: Uint8Array | null = null;
  private certificateRequest: { types: Uint8Array; schemes: number[] } | null = null;
  private session: Tls12Session | null = null;
  /** Both directions' record protection, made once when the first change_cipher_spec is due. */
  private readonly protections: PendingProtections12;
  /** The server resumed the offered session (abbreviated handshake: its Finished comes first). */
  private resumed = false;
  /** The server's ServerHello carried session_ticket: a NewSessionTicket precedes its change_cipher_spec (RFC 5077 3.3). */
  private ticketExpected = false;
  /** Raw handshake messages so far: a client CertificateVerify signs them all (RFC 5246 7.4.8). */
  private messages: Uint8Array[] = [];

  constructor(private readonly conn: Connection) {
    this.protections = new PendingProtections12(conn);
  }

  /** Continues a handshake whose ClientHello the TLS 1.3 machine sent; the ServerHello comes next. */
  static continueFrom(conn: Connection, offer: ClientOffer): Tls12Client {
    const c = new Tls12Client(conn);
    c.offer = offer;
    c.messages.push(offer.raw);
    c.state = 'wait_server_hello';
    return c;
  }

  start(): void {
    if (this.state !== 'start') return;
    const cfg = this.conn.config;
    const random = cfg.provider.randomBytes(32);
    this.conn.clientRandom = random;
    const ext: Extension[] = [];
    const add = (type: number, data: Uint8Array) => ext.push({ type, data });
    if (cfg.serverName) add(ExtensionType.server_name, encodeServerNameList(cfg.serverName));
    add(ExtensionType.supported_groups, encodeU16List(cfg.groups));
    add(ExtensionType.signature_algorithms, encodeU16List(cfg.signatureSchemes));
    if (cfg.alpnProtocols.length > 0) add(ExtensionType.application_layer_protocol_negotiation, encodeAlpn(cfg.alpnProtocols));
    if (cfg.recordSizeLimit !== undefined) add(ExtensionType.record_size_limit, encodeRecordSizeLimit(cfg.recordSizeLimit));
    ext.push(...tls12ClientHelloExtensions());
    const ticketExt = sessionTicketExtension(cfg);
    if (ticketExt) ext.push(ticketExt);
    let hello: ClientHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random,
      // The session to resume (RFC 5246 7.4.1.2), or with a ticket a random ID (RFC 5077 3.4).
      legacySessionId: cfg.resumption12?.sessionId ?? new Uint8Array(0),
      cipherSuites: tls12Suites(cfg),
      legacyCompressionMethods: new Uint8Array([0]),
      extensions: ext,
    };
    if (cfg.hooks?.clientHello) hello = cfg.hooks.clientHello(hello);
    const raw = encodeClientHello(hello);
    this.offer = { random: hello.random, sessionId: hello.legacySessionId, cipherSuites: hello.cipherSuites, extensions: new Set(hello.extensions.map((e) => e.type)), raw };
    this.conn.clientRandom = hello.random;
    this.conn.sendHandshake(raw);
    this.messages.push(raw);
    this.state = 'wait_server_hello';
  }

  handle(m: HandshakeMessage): void {
    // HelloRequest is not part of the transcript; during a handshake it is ignored (RFC 5246 7.4.1.1).
    if (m.type === HandshakeType.hello_request) return this.onHelloRequest(m);
    switch (this.state) {
      case 'wait_server_hello':
        if (m.type === HandshakeType.server_hello) return this.onServerHello(m);
        break;
      case 'wait_certificate':
        if (m.type === HandshakeType.certificate) return this.onCertificate(m);
        break;
      case 'wait_server_key_exchange':
        if (m.type === HandshakeType.server_key_exchange) return this.onServerKeyExchange(m);
        break;
      case 'wait_certificate_request_or_done':
        if (m.type === HandshakeType.certificate_request) return this.onCertificateRequest(m);
        if (m.type === HandshakeType.server_hello_done) return this.onServerHelloDone(m);
        break;
      case 'wait_server_hello_done':
        if (m.type === HandshakeType.server_hello_done) return this.onServerHelloDone(m);
        break;
      case 'wait_new_session_ticket':
        if (m.type === HandshakeType.new_session_ticket) return this.onNewSessionTicket(m);
        break;
      case 'wait_finished':
        if (m.type === HandshakeType.finished) return this.onFinished(m);
        break;
      default:
        break;
    }
    throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} in TLS 1.2 state ${this.state}`);
  }

  changeCipherSpec(): void {
    if (this.state !== 'wait_change_cipher_spec') throw ccsOutOfPlace(this.state);
    this.conn.setReadProtection(this.protections.take(this.session!, 'server'));
    this.state = 'wait_finished';
  }

  private add(m: HandshakeMessage): void {
    this.conn.transcript.add(m.raw);
    if (this.messages.length > 0) this.messages.push(m.raw);
  }

  private onHelloRequest(m: HandshakeMessage): void {
    decodeHelloRequest(m.body);
    if (this.state !== 'traffic') return;
    // We never renegotiate: refuse politely and carry on (RFC 5246 7.2.2, RFC 5746 4.2). After our
    // close_notify nothing more may be sent, so the request is simply dropped.
    if (!this.conn.closeNotifySent && !this.conn.writeClosed) this.conn.sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
  }

  private onServerHello(m: HandshakeMessage): void {
    const cfg = this.conn.config;
    const offer = this.offer!;
    const sh = decodeServerHello(m.body);
    clientAcceptsTls12(cfg, sh);
    if (sh.legacyCompressionMethod !== 0) throw illegal('compression method is not null', Reason.SSL_R_BAD_COMPRESSION);
    const suite = suiteInfo(sh.cipherSuite);
    if (!suite || suite.version !== 'TLSv1.2' || !offer.cipherSuites.includes(sh.cipherSuite)) {
      throw illegal(`server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered for TLS 1.2`, Reason.SSL_R_WRONG_CIPHER_RETURNED);
    }
    checkSolicited(sh.extensions, offer.extensions, 'ServerHello');
    const negotiated = this.conn.negotiated;
    let renegotiationInfo = false;
    for (const e of sh.extensions) {
      switch (e.type) {
        case ExtensionType.server_name:
          expectEmpty(e.data, 'server_name');
          negotiated.serverName = cfg.serverName ?? null;
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const list = decodeAlpn(e.data);
          if (list.length !== 1 || !cfg.alpnProtocols.includes(list[0]!)) {
            throw illegal('server selected an ALPN protocol that was not offered', Reason.SSL_R_NO_APPLICATION_PROTOCOL);
          }
          negotiated.alpn = list[0]!;
          break;
        }
        case ExtensionType.ec_point_formats:
          if (!decodeEcPointFormats(e.data).includes(POINT_FORMAT_UNCOMPRESSED)) {
            throw illegal('server does not accept uncompressed points', Reason.SSL_R_TLS_INVALID_ECPOINTFORMAT_LIST);
          }
          break;
        case ExtensionType.extended_master_secret:
          expectEmpty(e.data, 'extended_master_secret');
          this.extendedMaster = true;
          break;
        case ExtensionType.renegotiation_info:
          // RFC 5746 3.4: on a first handshake it must be empty.
          if (decodeRenegotiationInfo(e.data).length !== 0) {
            throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_RENEGOTIATION_MISMATCH, 'renegotiation_info is not empty on a first handshake');
          }
          renegotiationInfo = true;
          break;
        case ExtensionType.record_size_limit: {
          // TLS 1.2 counts only the plaintext (RFC 8449 4).
          this.conn.maxSendFragment = Math.min(this.conn.maxSendFragment, decodeRecordSizeLimit(e.data));
          // The server accepted ours too: its protected records must fit it.
          if (this.conn.config.recordSizeLimit !== undefined) this.conn.limitReceivedRecords(Math.min(this.conn.config.recordSizeLimit, 16384));
          break;
        }
        case ExtensionType.session_ticket:
          // RFC 5077 3.2: empty; a NewSessionTicket will follow.
          expectEmpty(e.data, 'session_ticket');
          this.ticketExpected = true;
          break;
        default:
          throw illegal(`extension ${e.type} is not allowed in a TLS 1.2 ServerHello`, Reason.SSL_R_UNSOLICITED_EXTENSION);
      }
    }
    if (!renegotiationInfo) {
      // RFC 5746 4.1: a server that does not signal secure renegotiation may be open to the
      // renegotiation splicing attack; like OpenSSL 3 we refuse to connect to it.
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED, 'the server does not support secure renegotiation (RFC 5746)');
    }
    this.secureRenegotiation = true;
    // The server resumes by echoing the session ID we offered (RFC 5246 7.4.1.3, RFC 5077 3.4).
    const resumption = cfg.resumption12;
    const echo = sh.legacySessionIdEcho;
    const resumed = resumption !== undefined && echo.length > 0 && equalBytes(echo, offer.sessionId) && equalBytes(echo, resumption.sessionId);
    if (resumed) {
      if (sh.cipherSuite !== resumption.suite.id) {
        throw illegal(`server resumed the session with cipher suite 0x${sh.cipherSuite.toString(16)}, not its own 0x${resumption.suite.id.toString(16)}`, Reason.SSL_R_OLD_SESSION_CIPHER_NOT_RETURNED);
      }
      // RFC 7627 5.3: the extended master secret use must be the session's, either way.
      if (this.extendedMaster !== resumption.extendedMasterSecret) {
        throw illegal(`server resumed a session ${resumption.extendedMasterSecret ? 'with' : 'without'} the extended master secret ${this.extendedMaster ? 'with' : 'without'} it`, Reason.SSL_R_INCONSISTENT_EXTMS);
      }
    }
    if (!this.extendedMaster && cfg.requireExtendedMasterSecret !== false) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_EXTENDED_MASTER_SECRET_REQUIRED, 'the server does not use the extended master secret (RFC 7627)');
    }
    this.suite = suite;
    this.serverRandom = sh.random;
    this.serverSessionId = sh.legacySessionIdEcho;
    negotiated.version = 'TLSv1.2';
    negotiated.suite = suite;
    this.conn.ccsAllowed = false;
    this.conn.transcript.start(suite.hash);
    this.add(m);
    if (resumed) return this.resume(resumption);
    this.state = 'wait_certificate';
  }

  /** Abbreviated handshake (RFC 5246 7.3): keys from the session's master secret; [NewSessionTicket], CCS and Finished come next. */
  private resume(resumption: Resumption12Offer): void {
    this.resumed = true;
    this.messages = [];
    this.session = {
      sessionId: this.serverSessionId,
      masterSecret: resumption.masterSecret,
      extendedMasterSecret: resumption.extendedMasterSecret,
      clientRandom: this.offer!.random,
      serverRandom: this.serverRandom,
      suite: this.suite,
      secureRenegotiation: this.secureRenegotiation,
    };
    this.conn.tls12 = this.session;
    this.conn.logSecret('CLIENT_RANDOM', resumption.masterSecret);
    const negotiated = this.conn.negotiated;
    negotiated.resumed = true;
    negotiated.peerCertificates = resumption.peerCertificates.slice();
    this.conn.resumedFrom = resumption.state ?? null;
    this.state = this.ticketExpected ? 'wait_new_session_ticket' : 'wait_change_cipher_spec';
  }

  private onNewSessionTicket(m: HandshakeMessage): void {
    const nst = decodeNewSessionTicketTls12(m.body);
    // An empty ticket: the server changed its mind (RFC 5077 3.3).
    this.conn.ticket12 = nst.ticket.length > 0 ? { ticket: nst.ticket.slice(), lifetimeHint: nst.lifetimeHint, receivedAt: this.conn.config.now() } : null;
    this.add(m);
    this.state = 'wait_change_cipher_spec';
  }

  private onCertificate(m: HandshakeMessage): void {
    const { chain } = decodeCertificateTls12(m.body);
    if (chain.length === 0) throw new TlsFailure(AlertDescription.decode_error, Reason.SSL_R_BAD_CERTIFICATE, 'the server sent no certificate');
    this.conn.negotiated.peerCertificates = chain;
    const verify = this.conn.config.verifyPeer;
    if (!verify) throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_VERIFICATION_CONFIGURED, 'no way to verify the server was configured');
    verify({ chain, serverName: this.conn.config.serverName ?? null });
    const key = leafPublicKey(this.conn.config.provider, chain[0]!);
    if (!suiteFitsKey(this.suite, key)) {
      throw new TlsFailure(AlertDescription.unsupported_certificate, Reason.SSL_R_WRONG_CERTIFICATE_TYPE, `a ${key.type} certificate cannot authenticate ${this.suite.name}`);
    }
    this.peerKey = key;
    this.add(m);
    this.state = 'wait_server_key_exchange';
  }

  private onServerKeyExchange(m: HandshakeMessage): void {
    const cfg = this.conn.config;
    const ske = decodeServerKeyExchangeEcdhe(m.body);
    if (!cfg.groups.includes(ske.group) || !cfg.provider.supportsGroup(ske.group)) {
      throw illegal(`server chose group 0x${ske.group.toString(16)}, which was not offered`, Reason.SSL_R_WRONG_CURVE);
    }
    const key = this.peerKey!;
    if (!cfg.signatureSchemes.includes(ske.scheme) || !tls12SchemesForKey(key).includes(ske.scheme)) {
      throw illegal(`ServerKeyExchange signature scheme 0x${ske.scheme.toString(16)} was not offered or does not fit the certificate`, Reason.SSL_R_WRONG_SIGNATURE_TYPE);
    }
    const signed = serverKeyExchangeSigned(this.offer!.random, this.serverRandom, ske.params);
    if (!cfg.provider.verify(ske.scheme, key, signed, ske.signature, true)) {
      throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_BAD_SIGNATURE, 'the ServerKeyExchange signature does not verify');
    }
    const share = cfg.provider.generateKeyShare(ske.group);
    this.preMaster = share.deriveSecret(ske.publicKey);
    this.ourPublic = share.publicKey;
    this.conn.negotiated.group = ske.group;
    this.conn.negotiated.peerSignatureScheme = ske.scheme;
    this.add(m);
    this.state = 'wait_certificate_request_or_done';
  }

  private onCertificateRequest(m: HandshakeMessage): void {
    const cr = decodeCertificateRequestTls12(m.body);
    this.certificateRequest = { types: cr.certificateTypes, schemes: cr.signatureAlgorithms };
    this.conn.negotiated.certificateRequested = true;
    this.add(m);
    this.state = 'wait_server_hello_done';
  }

  private onServerHelloDone(m: HandshakeMessage): void {
    decodeServerHelloDone(m.body);
    this.add(m);
    const cfg = this.conn.config;
    const provider = cfg.provider;

    // Client certificate (RFC 5246 7.4.6), when asked: ours if it fits, else an empty list.
    let signWith: number | undefined;
    if (this.certificateRequest) {
      signWith = this.clientSignatureScheme(this.certificateRequest);
      this.send(encodeCertificateTls12({ chain: signWith !== undefined ? cfg.certifiedKey!.chain : [] }));
    }
    this.send(encodeClientKeyExchangeEcdhe({ publicKey: this.ourPublic! }));

    // Master secret: RFC 7627 hashes the transcript through ClientKeyExchange.
    const master = this.extendedMaster
      ? extendedMasterSecret(provider, this.suite.hash, this.preMaster!, this.conn.transcript.current())
      : masterSecret(provider, this.suite.hash, this.preMaster!, this.offer!.random, this.serverRandom);
    this.preMaster = null;
    this.session = {
      sessionId: this.serverSessionId,
      masterSecret: master,
      extendedMasterSecret: this.extendedMaster,
      clientRandom: this.offer!.random,
      serverRandom: this.serverRandom,
      suite: this.suite,
      secureRenegotiation: this.secureRenegotiation,
    };
    this.conn.tls12 = this.session;
    this.conn.logSecret('CLIENT_RANDOM', master);

    if (signWith !== undefined) {
      const ck = cfg.certifiedKey!;
      const signature = provider.sign(signWith, ck.key, concatBytes(...this.messages), true);
      this.conn.negotiated.signatureScheme = signWith;
      this.send(encodeCertificateVerify({ scheme: signWith, signature }));
    }
    this.messages = [];

    this.conn.sendCompatibilityCcs();
    this.conn.setWriteProtection(this.protections.take(this.session, 'client'));
    const verifyData = finishedVerifyData12(provider, this.suite.hash, master, 'client', this.conn.transcript.current());
    this.conn.finishedSent = verifyData;
    this.conn.sendHandshake(encodeFinished({ verifyData }));
    this.conn.flushHandshake();
    this.state = this.ticketExpected ? 'wait_new_session_ticket' : 'wait_change_cipher_spec';
  }

  /**
   * The scheme our CertificateVerify will use, or undefined to send no certificate: we need one,
   * the server must take its key type (certificate_types) and offer a scheme that fits the key
   * and that we allow, chosen in our order of preference (RFC 5246 7.4.4, 7.4.6).
   */
  private clientSignatureScheme(request: { types: Uint8Array; schemes: number[] }): number | undefined {
    const cfg = this.conn.config;
    const ck = cfg.certifiedKey;
    if (!ck) return undefined;
    const type = clientCertificateTypeOf(ck.key);
    if (type === null || !request.types.includes(type)) return undefined;
    return tls12SchemesForKey(ck.key).find((s) => request.schemes.includes(s) && cfg.signatureSchemes.includes(s));
  }

  private send(raw: Uint8Array): void {
    this.conn.sendHandshake(raw);
    if (this.messages.length > 0) this.messages.push(raw);
  }

  private onFinished(m: HandshakeMessage): void {
    const fin = decodeFinished(m.body, 12);
    const expected = finishedVerifyData12(this.conn.config.provider, this.suite.hash, this.session!.masterSecret, 'server', this.conn.transcript.current());
    if (!equalBytes(expected, fin.verifyData)) {
      throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_DIGEST_CHECK_FAILED, 'server Finished does not match the transcript');
    }
    this.conn.finishedReceived = fin.verifyData;
    this.conn.transcript.add(m.raw);
    if (this.resumed) {
      // Abbreviated handshake: our change_cipher_spec and Finished answer the server's.
      const session = this.session!;
      this.conn.sendCompatibilityCcs();
      this.conn.setWriteProtection(this.protections.take(session, 'client'));
      const verifyData = finishedVerifyData12(this.conn.config.provider, this.suite.hash, session.masterSecret, 'client', this.conn.transcript.current());
      this.conn.finishedSent = verifyData;
      this.conn.sendHandshake(encodeFinished({ verifyData }));
      this.conn.flushHandshake();
    }
    this.conn.handshakeComplete = true;
    this.state = 'traffic';
  }
}

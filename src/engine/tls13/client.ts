import type { KeyShare } from '../../crypto/provider.js';
import { schemesForKey } from '../../crypto/schemes.js';
import { suiteInfo, type SuiteInfo } from '../../crypto/suites.js';
import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion, PskKeyExchangeMode } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareHrr,
  decodeKeyShareServer,
  decodeRecordSizeLimit,
  decodeSelectedPsk,
  decodeSupportedVersionsServer,
  decodeU16List,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClient,
  encodeOfferedPsks,
  encodePskModes,
  encodeRecordSizeLimit,
  encodeServerNameList,
  encodeSupportedVersionsClient,
  encodeU16List,
  expectEmpty,
} from '../../wire/extensions.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeServerHello,
  encodeCertificateVerify,
  encodeClientHello,
  encodeFinished,
  findExtension,
} from '../../wire/handshake.js';
import { HELLO_RETRY_REQUEST_RANDOM, type ClientHello, type Extension, type HandshakeMessage, type ServerHello } from '../../wire/messages.js';
import type { Connection, HandshakeMachine } from '../connection.js';
import { Tls12Client } from '../tls12/client.js';
import { sessionTicketExtension, tls12ClientHelloExtensions } from '../tls12/common.js';
import { tls12Enabled, tls12Suites } from '../version-range.js';
import { clientAcceptsTls12 } from '../versions.js';
import { KeySchedule13 } from './key-schedule.js';
import { clientTrafficMessage, TLS13_CLIENT_TRAFFIC } from './traffic.js';
import { binderOf, binderTranscriptHash, obfuscatedTicketAge, patchBinders } from './psk.js';
import type { ResumptionOffer } from '../config.js';
import { equalBytes } from '../../crypto/equal-bytes.js';
import { certificateMessage, certificateVerifyContent, checkCertificateVerify, checkSolicited, leafPublicKey, usableInTls13Handshake } from './common.js';

type State =
  | 'start'
  | 'wait_server_hello'
  | 'wait_encrypted_extensions'
  | 'wait_certificate_or_request'
  | 'wait_certificate'
  | 'wait_certificate_verify'
  | 'wait_finished'
  | 'traffic';

function illegal(detail: string, reason: Reason = Reason.SSL_R_BAD_EXTENSION): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, reason, detail);
}

/** The key shares before the hello: one empty list for all (shares are replaced, never appended to). */
const NO_SHARES: KeyShare[] = Object.freeze([]) as unknown as KeyShare[];
/** What a client has offered before it sends its hello: nothing (only ever read). */
const NO_EXTENSIONS: ReadonlySet<number> = new Set<number>();
const EMPTY = new Uint8Array(0);

/**
 * The TLS 1.3 client handshake (RFC 8446 2, 4): one state per expected message. Anything that
 * is not the expected message is an unexpected_message.
 */
export class Tls13Client implements HandshakeMachine {
  private state: State = 'start';
  private random: Uint8Array;
  /**
   * The key schedule started with the offered PSK, made for its binder: when the server accepts
   * the PSK the handshake goes on with it instead of extracting the same Early Secret again.
   */
  private pskSchedule: KeySchedule13 | null = null;
  private sessionId: Uint8Array;
  private shares: KeyShare[] = NO_SHARES;
  private lastHello: ClientHello | null = null;
  private lastHelloRaw: Uint8Array | null = null;
  private offeredExtensions: ReadonlySet<number> = NO_EXTENSIONS;
  private hrrSuite: number | null = null;
  private suite!: SuiteInfo;
  private serverHsSecret: Uint8Array | null = null;
  private clientHsSecret: Uint8Array | null = null;
  private certificateRequest: { context: Uint8Array; schemes: number[] } | null = null;
  private peerKey: ReturnType<typeof leafPublicKey> | null = null;
  private ccsSent = false;
  /** The session offered for resumption (dropped if a HelloRetryRequest picks another hash). */
  private offer: ResumptionOffer | null = null;

  constructor(private readonly conn: Connection) {
    const provider = conn.config.provider;
    this.random = provider.randomBytes(32);
    conn.clientRandom = this.random;
    // A TLS 1.2 session to resume goes in legacy_session_id (RFC 8446 4.1.2); else the
    // middlebox-compatibility random ID.
    this.sessionId = conn.config.resumption12?.sessionId ?? (conn.config.middleboxCompat ? provider.randomBytes(32) : EMPTY);
  }

  /** After the handshake only tickets and KeyUpdates come: a machine that holds nothing else takes over. */
  afterHandshake(): HandshakeMachine {
    return TLS13_CLIENT_TRAFFIC;
  }

  start(): void {
    if (this.state !== 'start') return;
    const cfg = this.conn.config;
    const groups = cfg.keyShareGroups ?? cfg.groups.slice(0, 1);
    this.shares = groups.map((g) => cfg.provider.generateKeyShare(g));
    const offer = cfg.resumption;
    if (offer && cfg.cipherSuites.some((id) => suiteInfo(id)?.hash === offer.ticket.suite.hash)) this.offer = offer;
    this.sendClientHello(null);
    this.conn.ccsAllowed = true;
    this.state = 'wait_server_hello';
  }

  private sendClientHello(cookie: Uint8Array | null): void {
    const cfg = this.conn.config;
    const ext: Extension[] = [];
    const add = (type: number, data: Uint8Array) => ext.push({ type, data });
    if (cfg.serverName) add(ExtensionType.server_name, encodeServerNameList(cfg.serverName));
    add(ExtensionType.supported_groups, encodeU16List(cfg.groups));
    add(ExtensionType.signature_algorithms, encodeU16List(cfg.signatureSchemes));
    if (cfg.alpnProtocols.length > 0) add(ExtensionType.application_layer_protocol_negotiation, encodeAlpn(cfg.alpnProtocols));
    add(ExtensionType.key_share, encodeKeyShareClient(this.shares.map((s) => ({ group: s.group, keyExchange: s.publicKey }))));
    // One ClientHello offers every enabled version; the server's answer decides (versions.ts).
    const offer12 = tls12Enabled(cfg);
    add(ExtensionType.supported_versions, encodeSupportedVersionsClient(offer12 ? [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2] : [ProtocolVersion.TLS1_3]));
    add(ExtensionType.psk_key_exchange_modes, encodePskModes([PskKeyExchangeMode.psk_dhe_ke]));
    if (cfg.recordSizeLimit !== undefined) add(ExtensionType.record_size_limit, encodeRecordSizeLimit(cfg.recordSizeLimit));
    if (cookie) add(ExtensionType.cookie, encodeCookie(cookie));
    if (offer12) {
      ext.push(...tls12ClientHelloExtensions());
      const ticketExt = sessionTicketExtension(cfg);
      if (ticketExt) ext.push(ticketExt);
    }
    // pre_shared_key goes last (RFC 8446 4.2.11); its binder is filled in once the hello is encoded.
    const offer = this.offer;
    const placeholder = offer ? [new Uint8Array(cfg.provider.hashLength(offer.ticket.suite.hash))] : [];
    if (offer) {
      const age = obfuscatedTicketAge(cfg.now(), offer.ticket.receivedAt, offer.ticket.ageAdd);
      add(ExtensionType.pre_shared_key, encodeOfferedPsks({ identities: [{ identity: offer.ticket.ticket, obfuscatedTicketAge: age }], binders: placeholder }));
    }
    let hello: ClientHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random: this.random,
      legacySessionId: this.sessionId,
      cipherSuites: offer12 ? [...cfg.cipherSuites, ...tls12Suites(cfg)] : cfg.cipherSuites.slice(),
      legacyCompressionMethods: new Uint8Array([0]),
      extensions: ext,
    };
    if (cfg.hooks?.clientHello) hello = cfg.hooks.clientHello(hello);
    this.lastHello = hello;
    this.offeredExtensions = new Set(hello.extensions.map((e) => e.type));
    const encoded = encodeClientHello(hello);
    if (offer && hello.extensions.at(-1)?.type === ExtensionType.pre_shared_key) {
      const hash = offer.ticket.suite.hash;
      const th = binderTranscriptHash(this.conn.transcript, hash, encoded, placeholder);
      this.pskSchedule ??= new KeySchedule13(cfg.provider, hash, offer.ticket.psk);
      patchBinders(encoded, [binderOf(this.pskSchedule, th)]);
    }
    this.lastHelloRaw = encoded;
    this.conn.sendHandshake(encoded);
  }

  handle(m: HandshakeMessage): void {
    switch (this.state) {
      case 'wait_server_hello':
        if (m.type === HandshakeType.server_hello) return this.onServerHello(m);
        break;
      case 'wait_encrypted_extensions':
        if (m.type === HandshakeType.encrypted_extensions) return this.onEncryptedExtensions(m);
        break;
      case 'wait_certificate_or_request':
        if (m.type === HandshakeType.certificate_request) return this.onCertificateRequest(m);
        if (m.type === HandshakeType.certificate) return this.onCertificate(m);
        break;
      case 'wait_certificate':
        if (m.type === HandshakeType.certificate) return this.onCertificate(m);
        break;
      case 'wait_certificate_verify':
        if (m.type === HandshakeType.certificate_verify) return this.onCertificateVerify(m);
        break;
      case 'wait_finished':
        if (m.type === HandshakeType.finished) return this.onFinished(m);
        break;
      case 'traffic':
        // Messages after the Finished in the record that completed the handshake (the machine is
        // replaced once that record is done).
        return clientTrafficMessage(this.conn, m);
      case 'start':
        break;
    }
    throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} in state ${this.state}`);
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = decodeServerHello(m.body);
    const isHrr = equalBytes(sh.random, HELLO_RETRY_REQUEST_RANDOM);
    const versionExt = findExtension(sh.extensions, ExtensionType.supported_versions);
    if (!versionExt) {
      // A TLS 1.2-or-older ServerHello: versions.ts decides (downgrade sentinel included), then
      // the TLS 1.2 machine continues from our ClientHello.
      clientAcceptsTls12(this.conn.config, sh);
      if (this.conn.negotiated.helloRetry) throw illegal('TLS 1.2 ServerHello after a HelloRetryRequest', Reason.SSL_R_UNSUPPORTED_PROTOCOL);
      const next = Tls12Client.continueFrom(this.conn, {
        random: this.random,
        sessionId: this.lastHello!.legacySessionId,
        cipherSuites: this.lastHello!.cipherSuites,
        extensions: this.offeredExtensions,
        raw: this.lastHelloRaw!,
      });
      this.conn.switchMachine(next);
      return next.handle(m);
    }
    if (decodeSupportedVersionsServer(versionExt.data) !== ProtocolVersion.TLS1_3) {
      throw illegal('server selected a version that was not offered', Reason.SSL_R_UNSUPPORTED_PROTOCOL);
    }
    if (sh.legacyVersion !== ProtocolVersion.TLS1_2) throw illegal('ServerHello legacy_version is not 0x0303', Reason.SSL_R_BAD_LEGACY_VERSION);
    if (!equalBytes(sh.legacySessionIdEcho, this.sessionId)) throw illegal('legacy_session_id_echo differs from what was sent', Reason.SSL_R_BAD_SESSION_ID);
    if (sh.legacyCompressionMethod !== 0) throw illegal('compression method is not null', Reason.SSL_R_BAD_COMPRESSION);
    const suite = suiteInfo(sh.cipherSuite);
    if (!suite || suite.version !== 'TLSv1.3' || !this.lastHello!.cipherSuites.includes(sh.cipherSuite)) {
      throw illegal(`server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered`, Reason.SSL_R_WRONG_CIPHER_RETURNED);
    }
    if (this.hrrSuite !== null && this.hrrSuite !== sh.cipherSuite) throw illegal('cipher suite differs from the HelloRetryRequest', Reason.SSL_R_WRONG_CIPHER_RETURNED);
    this.suite = suite;
    this.conn.negotiated.version = 'TLSv1.3';
    this.conn.negotiated.suite = suite;
    this.conn.transcript.start(suite.hash);
    if (isHrr) return this.onHelloRetryRequest(sh, m);

    checkSolicited(sh.extensions, this.offeredExtensions, 'ServerHello');
    for (const e of sh.extensions) {
      if (e.type !== ExtensionType.key_share && e.type !== ExtensionType.supported_versions && e.type !== ExtensionType.pre_shared_key) {
        throw illegal(`extension ${e.type} is not allowed in ServerHello`);
      }
    }
    const pskExt = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    let psk: Uint8Array | undefined;
    if (pskExt) {
      if (!this.offer || !this.offeredExtensions.has(ExtensionType.pre_shared_key)) throw illegal('server selected a PSK that was not offered', Reason.SSL_R_UNSOLICITED_EXTENSION);
      // RFC 8446 4.2.11: the index must be one we sent, and the suite must use the PSK's hash.
      if (decodeSelectedPsk(pskExt.data) !== 0) throw illegal('server selected a PSK identity that was not offered', Reason.SSL_R_BAD_PSK_IDENTITY);
      if (suite.hash !== this.offer.ticket.suite.hash) throw illegal('server resumed with a cipher suite of another hash', Reason.SSL_R_BAD_PSK);
      psk = this.offer.ticket.psk;
      this.conn.negotiated.resumed = true;
      this.conn.negotiated.peerCertificates = this.offer.peerCertificates.slice();
    }
    const ksExt = findExtension(sh.extensions, ExtensionType.key_share);
    if (!ksExt) throw new TlsFailure(AlertDescription.missing_extension, Reason.SSL_R_MISSING_EXTENSION, 'ServerHello has no key_share');
    const entry = decodeKeyShareServer(ksExt.data);
    const share = this.shares.find((s) => s.group === entry.group);
    if (!share) throw illegal(`server key share for group 0x${entry.group.toString(16)}, which has no client share`, Reason.SSL_R_BAD_KEY_SHARE);
    const shared = share.deriveSecret(entry.keyExchange);
    this.conn.negotiated.group = entry.group;

    this.conn.transcript.add(m.raw);
    // The binder's schedule already holds the PSK's Early Secret (same PSK, same hash: checked above).
    const ks = (psk !== undefined ? this.pskSchedule : null) ?? new KeySchedule13(this.conn.config.provider, suite.hash, psk);
    this.conn.keySchedule = ks;
    ks.enterHandshake(shared);
    const secrets = ks.handshakeTrafficSecrets(this.conn.transcript.current());
    this.serverHsSecret = secrets.server;
    this.clientHsSecret = secrets.client;
    this.conn.logSecret('CLIENT_HANDSHAKE_TRAFFIC_SECRET', secrets.client);
    this.conn.logSecret('SERVER_HANDSHAKE_TRAFFIC_SECRET', secrets.server);
    this.conn.setReadSecret(suite, secrets.server);
    this.state = 'wait_encrypted_extensions';
  }

  private onHelloRetryRequest(hrr: ServerHello, m: HandshakeMessage): void {
    if (this.conn.negotiated.helloRetry) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, 'a second HelloRetryRequest');
    }
    this.conn.negotiated.helloRetry = true;
    this.hrrSuite = hrr.cipherSuite;
    // A cookie is the one extension a HelloRetryRequest may carry unasked (RFC 8446 4.2.2).
    checkSolicited(hrr.extensions, new Set([...this.offeredExtensions, ExtensionType.cookie]), 'HelloRetryRequest');
    let cookie: Uint8Array | null = null;
    let group: number | null = null;
    for (const e of hrr.extensions) {
      if (e.type === ExtensionType.cookie) cookie = decodeCookie(e.data);
      else if (e.type === ExtensionType.key_share) group = decodeKeyShareHrr(e.data);
      else if (e.type !== ExtensionType.supported_versions) throw illegal(`extension ${e.type} is not allowed in HelloRetryRequest`);
    }
    if (group === null && cookie === null) {
      throw illegal('HelloRetryRequest would not change the ClientHello', Reason.SSL_R_BAD_HELLO_RETRY_REQUEST);
    }
    if (group !== null) {
      if (!this.conn.config.groups.includes(group) || this.shares.some((s) => s.group === group)) {
        throw illegal(`HelloRetryRequest asks for group 0x${group.toString(16)}, which is not offered or already shared`, Reason.SSL_R_BAD_HELLO_RETRY_REQUEST);
      }
      this.shares = [this.conn.config.provider.generateKeyShare(group)];
    }
    // A PSK whose hash differs from the suite the server chose cannot be used (RFC 8446 4.1.4).
    if (this.offer && this.offer.ticket.suite.hash !== this.suite.hash) this.offer = null;
    // ClientHello1 becomes message_hash, then the HRR, then ClientHello2 (RFC 8446 4.4.1).
    this.conn.transcript.replaceWithMessageHash();
    this.conn.transcript.add(m.raw);
    this.sendCompatibilityCcsOnce();
    this.sendClientHello(cookie);
    this.state = 'wait_server_hello';
  }

  private sendCompatibilityCcsOnce(): void {
    if (this.conn.config.middleboxCompat && !this.ccsSent) {
      this.ccsSent = true;
      this.conn.sendCompatibilityCcs();
    }
  }

  private onEncryptedExtensions(m: HandshakeMessage): void {
    const ee = decodeEncryptedExtensions(m.body);
    checkSolicited(ee.extensions, this.offeredExtensions, 'EncryptedExtensions');
    const negotiated = this.conn.negotiated;
    for (const e of ee.extensions) {
      switch (e.type) {
        case ExtensionType.server_name:
          expectEmpty(e.data, 'server_name');
          negotiated.serverName = this.conn.config.serverName ?? null;
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const list = decodeAlpn(e.data);
          if (list.length !== 1 || !this.conn.config.alpnProtocols.includes(list[0]!)) {
            throw illegal('server selected an ALPN protocol that was not offered', Reason.SSL_R_NO_APPLICATION_PROTOCOL);
          }
          negotiated.alpn = list[0]!;
          break;
        }
        case ExtensionType.supported_groups:
          decodeU16List(e.data, 'supported_groups');
          break;
        case ExtensionType.record_size_limit: {
          const limit = decodeRecordSizeLimit(e.data);
          // TLS 1.3 counts the content type byte in the limit (RFC 8449 4).
          this.conn.maxSendFragment = Math.min(this.conn.maxSendFragment, limit - 1);
          // The server accepted ours too: its records from here on must fit it.
          if (this.conn.config.recordSizeLimit !== undefined) this.conn.limitReceivedRecords(this.conn.config.recordSizeLimit);
          break;
        }
        case ExtensionType.early_data:
          throw illegal('early_data accepted, but none was offered', Reason.SSL_R_UNSOLICITED_EXTENSION);
        default:
          throw illegal(`extension ${e.type} is not allowed in EncryptedExtensions`);
      }
    }
    this.conn.transcript.add(m.raw);
    // A resumed handshake has no Certificate, CertificateVerify or CertificateRequest (RFC 8446 2.2, 4.3.2).
    this.state = this.conn.negotiated.resumed ? 'wait_finished' : 'wait_certificate_or_request';
  }

  private onCertificateRequest(m: HandshakeMessage): void {
    const cr = decodeCertificateRequest(m.body);
    const sigExt = findExtension(cr.extensions, ExtensionType.signature_algorithms);
    if (!sigExt) throw new TlsFailure(AlertDescription.missing_extension, Reason.SSL_R_MISSING_EXTENSION, 'CertificateRequest has no signature_algorithms');
    this.certificateRequest = { context: cr.context, schemes: decodeU16List(sigExt.data, 'signature_algorithms') };
    this.conn.negotiated.certificateRequested = true;
    this.conn.transcript.add(m.raw);
    this.state = 'wait_certificate';
  }

  private onCertificate(m: HandshakeMessage): void {
    const cert = decodeCertificate(m.body);
    if (cert.context.length !== 0) throw illegal('server Certificate has a non-empty request context');
    if (cert.entries.length === 0) {
      throw new TlsFailure(AlertDescription.decode_error, Reason.SSL_R_BAD_CERTIFICATE, 'the server sent no certificate');
    }
    const chain = cert.entries.map((e) => e.data);
    this.conn.negotiated.peerCertificates = chain;
    const verify = this.conn.config.verifyPeer;
    if (!verify) {
      throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_VERIFICATION_CONFIGURED, 'no way to verify the server was configured');
    }
    verify({ chain, serverName: this.conn.config.serverName ?? null });
    this.peerKey = leafPublicKey(this.conn.config.provider, chain[0]!);
    this.conn.transcript.add(m.raw);
    this.state = 'wait_certificate_verify';
  }

  private onCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    checkCertificateVerify(this.conn.config.provider, this.conn.config.signatureSchemes, this.peerKey!, cv.scheme, cv.signature, 'server', this.conn.transcript.current());
    this.conn.negotiated.peerSignatureScheme = cv.scheme;
    this.conn.transcript.add(m.raw);
    this.state = 'wait_finished';
  }

  private onFinished(m: HandshakeMessage): void {
    const ks = this.conn.keySchedule!;
    const expected = ks.finishedVerifyData(this.serverHsSecret!, this.conn.transcript.current());
    // A Finished of the wrong length is malformed (decode_error), not a failed check.
    const fin = decodeFinished(m.body, expected.length);
    if (!equalBytes(expected, fin.verifyData)) {
      throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_DIGEST_CHECK_FAILED, 'server Finished does not match the transcript');
    }
    this.conn.finishedReceived = fin.verifyData;
    this.conn.transcript.add(m.raw);
    ks.enterMaster();
    const app = ks.applicationSecrets(this.conn.transcript.current());
    this.conn.clientTrafficSecret = app.client;
    this.conn.serverTrafficSecret = app.server;
    this.conn.exporterSecret = app.exporter;
    this.conn.logSecret('CLIENT_TRAFFIC_SECRET_0', app.client);
    this.conn.logSecret('SERVER_TRAFFIC_SECRET_0', app.server);
    this.conn.logSecret('EXPORTER_SECRET', app.exporter);
    this.conn.setReadSecret(this.suite, app.server);
    this.conn.ccsAllowed = false;

    // Our second flight: [CCS], [Certificate, CertificateVerify], Finished, under the handshake key.
    this.sendCompatibilityCcsOnce();
    this.conn.setWriteSecret(this.suite, this.clientHsSecret!);
    if (this.certificateRequest) this.sendClientCertificate(this.certificateRequest);
    const verifyData = ks.finishedVerifyData(this.clientHsSecret!, this.conn.transcript.current());
    this.conn.finishedSent = verifyData;
    this.conn.sendHandshake(encodeFinished({ verifyData }));
    this.conn.setWriteSecret(this.suite, app.client);
    this.conn.resumptionSecret = ks.resumptionMasterSecret(this.conn.transcript.current());
    this.conn.handshakeComplete = true;
    this.state = 'traffic';
  }

  private sendClientCertificate(request: { context: Uint8Array; schemes: number[] }): void {
    const ck = this.conn.config.certifiedKey;
    const scheme = ck
      ? schemesForKey(ck.key).find((s) => request.schemes.includes(s) && this.conn.config.signatureSchemes.includes(s) && usableInTls13Handshake(s))
      : undefined;
    if (!ck || scheme === undefined) {
      // No usable certificate: an empty Certificate lets the server decide (RFC 8446 4.4.2.4).
      this.conn.sendHandshake(certificateMessage([], request.context));
      return;
    }
    this.conn.sendHandshake(certificateMessage(ck.chain, request.context));
    const content = certificateVerifyContent('client', this.conn.transcript.current());
    const signature = this.conn.config.provider.sign(scheme, ck.key, content);
    this.conn.negotiated.signatureScheme = scheme;
    this.conn.sendHandshake(encodeCertificateVerify({ scheme, signature }));
  }
}

import type { KeyShare } from '../../crypto/provider.js';
import { schemesForKey } from '../../crypto/schemes.js';
import { suiteInfo, type SuiteInfo } from '../../crypto/suites.js';
import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion, PskKeyExchangeMode } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeOfferedPsks,
  decodePskModes,
  decodeRecordSizeLimit,
  decodeServerNameList,
  decodeSupportedVersionsClient,
  decodeU16List,
  encodeAlpn,
  encodeCertificateAuthorities,
  encodeCookie,
  encodeKeyShareHrr,
  encodeKeyShareServer,
  encodeRecordSizeLimit,
  encodeSelectedPsk,
  encodeSupportedVersionsServer,
  encodeU16List,
} from '../../wire/extensions.js';
import {
  decodeCertificate,
  decodeCertificateVerify,
  decodeClientHello,
  decodeFinished,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeNewSessionTicket,
  encodeServerHello,
} from '../../wire/handshake.js';
import { HELLO_RETRY_REQUEST_RANDOM, type ClientHello, type EncryptedExtensions, type Extension, type HandshakeMessage, type KeyShareEntry, type OfferedPsks, type ServerHello } from '../../wire/messages.js';
import type { ResumablePsk } from '../config.js';
import type { Connection, HandshakeMachine } from '../connection.js';
import { KeySchedule13 } from './key-schedule.js';
import { equalBytes } from '../../crypto/equal-bytes.js';
import { certificateMessage, certificateVerifyContent, checkCertificateVerify, leafPublicKey, usableInTls13Handshake } from './common.js';
import type { PublicKey } from '../../crypto/provider.js';
import { binderOf, binderTranscriptHash } from './psk.js';
import { serverTrafficMessage, TLS13_SERVER_TRAFFIC } from './traffic.js';

type State =
  | 'wait_client_hello'
  | 'wait_client_hello_after_retry'
  | 'wait_client_certificate'
  | 'wait_client_certificate_verify'
  | 'wait_finished'
  | 'traffic';

/** Bound on rejected 0-RTT bytes we skip (we never accept early data yet). */
const EARLY_DATA_SKIP_LIMIT = 16384 * 4;
/** How many offered PSK identities the server looks up at most (each may cost a decryption). */
const MAX_PSK_LOOKUPS = 4;

function illegal(detail: string, reason: Reason = Reason.SSL_R_BAD_EXTENSION): TlsFailure {
  return new TlsFailure(AlertDescription.illegal_parameter, reason, detail);
}

function missing(what: string): TlsFailure {
  return new TlsFailure(AlertDescription.missing_extension, Reason.SSL_R_MISSING_EXTENSION, `ClientHello has no ${what} extension`);
}

/** A PSK the server accepted: its index among the offered ones, and the key schedule started with it. */
interface AcceptedPsk {
  index: number;
  accepted: ResumablePsk;
  schedule: KeySchedule13;
}

/** What the server learns from a ClientHello. */
interface HelloFacts {
  hello: ClientHello;
  suite: SuiteInfo;
  groups: number[];
  shares: KeyShareEntry[];
  schemes: number[];
  serverName: string | null;
  alpn: string[] | null;
  recordSizeLimit: number | null;
  cookie: Uint8Array | null;
  earlyData: boolean;
  /** The offered PSKs (pre_shared_key), if any. */
  psk: OfferedPsks | null;
  /** psk_key_exchange_modes (empty when absent). */
  pskModes: number[];
}

/** The TLS 1.3 server handshake (RFC 8446 2, 4), full handshakes with (EC)DHE and certificates. */
export class Tls13Server implements HandshakeMachine {
  private state: State = 'wait_client_hello';
  private suite!: SuiteInfo;
  private retryGroup: number | null = null;
  private sentCookie: Uint8Array | null = null;
  private firstSessionId: Uint8Array | null = null;
  private clientHsSecret: Uint8Array | null = null;
  private ccsSent = false;
  /** The client's leaf key, between its Certificate and CertificateVerify. */
  private clientKey: PublicKey | null = null;

  constructor(private readonly conn: Connection) {}

  start(): void {
    // The server waits for the ClientHello.
  }

  /** After the handshake only KeyUpdates come: a machine that holds nothing else takes over. */
  afterHandshake(): HandshakeMachine {
    return TLS13_SERVER_TRAFFIC;
  }

  handle(m: HandshakeMessage): void {
    switch (this.state) {
      case 'wait_client_hello':
      case 'wait_client_hello_after_retry':
        if (m.type === HandshakeType.client_hello) return this.onClientHello(m);
        break;
      case 'wait_client_certificate':
        if (m.type === HandshakeType.certificate) return this.onClientCertificate(m);
        break;
      case 'wait_client_certificate_verify':
        if (m.type === HandshakeType.certificate_verify) return this.onClientCertificateVerify(m);
        break;
      case 'wait_finished':
        if (m.type === HandshakeType.finished) return this.onFinished(m);
        break;
      case 'traffic':
        // Messages after the Finished in the record that completed the handshake (the machine is
        // replaced once that record is done).
        return serverTrafficMessage(this.conn, m);
    }
    throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} in state ${this.state}`);
  }

  private readHello(m: HandshakeMessage, hello: ClientHello = decodeClientHello(m.body)): HelloFacts {
    const cfg = this.conn.config;
    const exts = new Map<number, Extension>();
    hello.extensions.forEach((e, i) => {
      exts.set(e.type, e);
      if (e.type === ExtensionType.pre_shared_key && i !== hello.extensions.length - 1) {
        throw illegal('pre_shared_key is not the last extension');
      }
    });
    const versions = exts.get(ExtensionType.supported_versions);
    if (!versions || !decodeSupportedVersionsClient(versions.data).includes(ProtocolVersion.TLS1_3)) {
      throw new TlsFailure(AlertDescription.protocol_version, Reason.SSL_R_UNSUPPORTED_PROTOCOL, 'the client does not offer TLS 1.3');
    }
    if (hello.legacyVersion < ProtocolVersion.TLS1_2) {
      throw new TlsFailure(AlertDescription.protocol_version, Reason.SSL_R_BAD_LEGACY_VERSION, 'ClientHello legacy_version below TLS 1.2');
    }
    if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
      throw illegal('TLS 1.3 requires exactly the null compression method', Reason.SSL_R_BAD_COMPRESSION);
    }
    // OpenSSL's default: the client's order among the suites we enable.
    const suiteId = hello.cipherSuites.find((s) => cfg.cipherSuites.includes(s) && suiteInfo(s)?.version === 'TLSv1.3');
    if (suiteId === undefined) {
      throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_NO_SHARED_CIPHER, 'no TLS 1.3 cipher suite in common');
    }
    const groupsExt = exts.get(ExtensionType.supported_groups);
    const shareExt = exts.get(ExtensionType.key_share);
    if (!groupsExt) throw missing('supported_groups');
    if (!shareExt) throw missing('key_share');
    const groups = decodeU16List(groupsExt.data, 'supported_groups');
    const shares = decodeKeyShareClient(shareExt.data);
    for (const s of shares) {
      if (!groups.includes(s.group)) throw illegal(`key share for group 0x${s.group.toString(16)}, which is not in supported_groups`, Reason.SSL_R_BAD_KEY_SHARE);
    }
    const sigExt = exts.get(ExtensionType.signature_algorithms);
    if (!sigExt) throw missing('signature_algorithms');
    const sni = exts.get(ExtensionType.server_name);
    const alpn = exts.get(ExtensionType.application_layer_protocol_negotiation);
    const rsl = exts.get(ExtensionType.record_size_limit);
    const cookie = exts.get(ExtensionType.cookie);
    const pskExt = exts.get(ExtensionType.pre_shared_key);
    const modesExt = exts.get(ExtensionType.psk_key_exchange_modes);
    // RFC 8446 4.2.9: a PSK offer without psk_key_exchange_modes is a protocol error.
    if (pskExt && !modesExt) {
      throw new TlsFailure(AlertDescription.missing_extension, Reason.SSL_R_MISSING_PSK_KEX_MODES_EXTENSION, 'ClientHello offers a PSK without psk_key_exchange_modes');
    }
    return {
      hello,
      suite: suiteInfo(suiteId)!,
      groups,
      shares,
      schemes: decodeU16List(sigExt.data, 'signature_algorithms'),
      serverName: sni ? decodeServerNameList(sni.data) : null,
      alpn: alpn ? decodeAlpn(alpn.data) : null,
      recordSizeLimit: rsl ? decodeRecordSizeLimit(rsl.data) : null,
      cookie: cookie ? decodeCookie(cookie.data) : null,
      earlyData: exts.has(ExtensionType.early_data),
      psk: pskExt ? decodeOfferedPsks(pskExt.data) : null,
      pskModes: modesExt ? decodePskModes(modesExt.data) : [],
    };
  }

  /** The first ClientHello, decoded by ServerVersionDispatch, which chose this version from it. */
  handleFirstClientHello(m: HandshakeMessage, hello: ClientHello): void {
    this.onClientHello(m, hello);
  }

  private onClientHello(m: HandshakeMessage, decoded?: ClientHello): void {
    const cfg = this.conn.config;
    const facts = this.readHello(m, decoded);
    const afterRetry = this.state === 'wait_client_hello_after_retry';
    if (afterRetry) {
      if (facts.suite.id !== this.suite.id) throw illegal('second ClientHello changed the cipher suites', Reason.SSL_R_WRONG_CIPHER_RETURNED);
      if (this.sentCookie && (!facts.cookie || !equalBytes(facts.cookie, this.sentCookie))) {
        throw illegal('second ClientHello does not echo the cookie', Reason.SSL_R_BAD_HELLO_RETRY_REQUEST);
      }
      if (!equalBytes(facts.hello.legacySessionId, this.firstSessionId!)) {
        throw illegal('second ClientHello changed legacy_session_id', Reason.SSL_R_BAD_SESSION_ID);
      }
      if (facts.shares.length !== 1 || facts.shares[0]!.group !== this.retryGroup) {
        throw illegal('second ClientHello does not carry exactly the requested key share', Reason.SSL_R_BAD_KEY_SHARE);
      }
      if (facts.earlyData) throw illegal('early_data after HelloRetryRequest');
    } else {
      if (facts.cookie) throw illegal('cookie in the first ClientHello', Reason.SSL_R_BAD_EXTENSION);
      this.suite = facts.suite;
      this.firstSessionId = facts.hello.legacySessionId;
      this.conn.negotiated.version = 'TLSv1.3';
      this.conn.negotiated.suite = facts.suite;
      this.conn.transcript.start(facts.suite.hash);
      this.conn.clientRandom = facts.hello.random;
      if (facts.earlyData) this.conn.earlyDataSkipBudget = EARLY_DATA_SKIP_LIMIT;
    }

    // Key exchange: the first client share we support; otherwise ask for our preferred common group.
    const share = facts.shares.find((s) => cfg.groups.includes(s.group) && cfg.provider.supportsGroup(s.group));
    const wantCookie = cfg.hrrCookie === true;
    const retryWanted = wantCookie && !afterRetry;
    // Resumption: psk_ke (no (EC)DHE) only when configured and the client asks for it.
    let resumed: AcceptedPsk | null = null;
    const dheOk = facts.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke);
    if (facts.psk && !retryWanted && cfg.allowPskKe && facts.pskModes.includes(PskKeyExchangeMode.psk_ke) && (!dheOk || !share)) {
      resumed = this.selectPsk(facts, m.raw);
    }
    const pskKe = resumed !== null;
    if (!pskKe && (!share || retryWanted)) {
      if (afterRetry) throw illegal('no usable key share after HelloRetryRequest', Reason.SSL_R_BAD_KEY_SHARE);
      const common = share?.group ?? cfg.groups.find((g) => facts.groups.includes(g) && cfg.provider.supportsGroup(g));
      if (common === undefined) {
        throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_NO_SHARED_GROUPS, 'no key exchange group in common');
      }
      this.conn.transcript.add(m.raw);
      return this.sendHelloRetryRequest(facts, share ? null : common, wantCookie);
    }
    if (!pskKe && facts.psk && dheOk) resumed = this.selectPsk(facts, m.raw);
    this.conn.transcript.add(m.raw);

    // Authentication: our key's schemes in the client's order of preference (none when resuming).
    const ck = cfg.certifiedKey;
    let scheme: number | undefined;
    if (!resumed) {
      if (!ck) throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_CERTIFICATE_SET, 'the server has no certificate');
      const ours = schemesForKey(ck.key).filter((s) => cfg.signatureSchemes.includes(s) && usableInTls13Handshake(s));
      scheme = facts.schemes.find((s) => ours.includes(s));
      if (scheme === undefined) {
        throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS, 'no signature scheme in common for the server key');
      }
    }

    // ALPN (RFC 7301 3.2): our preference among the client's; no overlap is fatal.
    let alpn: string | null = null;
    if (facts.alpn && cfg.alpnProtocols.length > 0) {
      alpn = cfg.alpnProtocols.find((p) => facts.alpn!.includes(p)) ?? null;
      if (alpn === null) throw new TlsFailure(AlertDescription.no_application_protocol, Reason.SSL_R_NO_APPLICATION_PROTOCOL, 'no ALPN protocol in common');
    }
    const negotiated = this.conn.negotiated;
    negotiated.alpn = alpn;
    negotiated.serverName = facts.serverName;
    negotiated.group = pskKe ? null : share!.group;
    negotiated.signatureScheme = scheme ?? null;
    if (resumed) {
      negotiated.resumed = true;
      negotiated.peerCertificates = resumed.accepted.peerCertificates.slice();
      this.conn.resumedFrom = resumed.accepted.state ?? null;
    }
    if (facts.recordSizeLimit !== null) this.conn.maxSendFragment = Math.min(this.conn.maxSendFragment, facts.recordSizeLimit - 1);

    // ServerHello.
    const ourShare: KeyShare | null = pskKe ? null : cfg.provider.generateKeyShare(share!.group);
    const shared = ourShare ? ourShare.deriveSecret(share!.keyExchange) : new Uint8Array(cfg.provider.hashLength(this.suite.hash));
    const shExtensions: Extension[] = [];
    if (ourShare) shExtensions.push({ type: ExtensionType.key_share, data: encodeKeyShareServer({ group: ourShare.group, keyExchange: ourShare.publicKey }) });
    shExtensions.push({ type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) });
    if (resumed) shExtensions.push({ type: ExtensionType.pre_shared_key, data: encodeSelectedPsk(resumed.index) });
    let sh: ServerHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random: cfg.provider.randomBytes(32),
      legacySessionIdEcho: facts.hello.legacySessionId,
      cipherSuite: this.suite.id,
      legacyCompressionMethod: 0,
      extensions: shExtensions,
    };
    if (cfg.hooks?.serverHello) sh = cfg.hooks.serverHello(sh);
    this.conn.sendHandshake(encodeServerHello(sh));
    this.sendCompatibilityCcsOnce(facts.hello.legacySessionId);

    // A resumption goes on with the schedule that checked the binder (its Early Secret is the PSK's).
    const ks = resumed?.schedule ?? new KeySchedule13(cfg.provider, this.suite.hash);
    this.conn.keySchedule = ks;
    ks.enterHandshake(shared);
    const hs = ks.handshakeTrafficSecrets(this.conn.transcript.current());
    this.clientHsSecret = hs.client;
    this.conn.logSecret('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.client);
    this.conn.logSecret('SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.server);
    this.conn.setWriteSecret(this.suite, hs.server);
    this.conn.setReadSecret(this.suite, hs.client);
    this.conn.ccsAllowed = true;

    // EncryptedExtensions, Certificate, CertificateVerify, Finished in one flight.
    const eeExt: Extension[] = [];
    if (facts.recordSizeLimit !== null && cfg.recordSizeLimit !== undefined) {
      eeExt.push({ type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(cfg.recordSizeLimit) });
      this.conn.limitReceivedRecords(cfg.recordSizeLimit);
    }
    if (facts.serverName !== null) eeExt.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    if (alpn !== null) eeExt.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([alpn]) });
    let ee: EncryptedExtensions = { extensions: eeExt };
    if (cfg.hooks?.encryptedExtensions) ee = cfg.hooks.encryptedExtensions(ee);
    this.conn.sendHandshake(encodeEncryptedExtensions(ee));
    const askForCertificate = !resumed && cfg.clientCertificates !== undefined;
    if (askForCertificate) this.sendCertificateRequest();
    if (!resumed) {
      // A PSK handshake authenticates by the PSK: no Certificate or CertificateVerify (RFC 8446 2.2).
      this.conn.sendHandshake(certificateMessage(ck!.chain));
      const signature = cfg.provider.sign(scheme!, ck!.key, certificateVerifyContent('server', this.conn.transcript.current()));
      this.conn.sendHandshake(encodeCertificateVerify({ scheme: scheme!, signature }));
    }
    const verifyData = ks.finishedVerifyData(hs.server, this.conn.transcript.current());
    this.conn.finishedSent = verifyData;
    this.conn.sendHandshake(encodeFinished({ verifyData }));

    ks.enterMaster();
    const app = ks.applicationSecrets(this.conn.transcript.current());
    this.conn.clientTrafficSecret = app.client;
    this.conn.serverTrafficSecret = app.server;
    this.conn.exporterSecret = app.exporter;
    this.conn.logSecret('CLIENT_TRAFFIC_SECRET_0', app.client);
    this.conn.logSecret('SERVER_TRAFFIC_SECRET_0', app.server);
    this.conn.logSecret('EXPORTER_SECRET', app.exporter);
    this.conn.setWriteSecret(this.suite, app.server);
    this.state = askForCertificate ? 'wait_client_certificate' : 'wait_finished';
  }

  /** RFC 8446 4.3.2: an empty context, our signature schemes, and the CA names we trust. */
  private sendCertificateRequest(): void {
    const cfg = this.conn.config;
    const extensions: Extension[] = [
      { type: ExtensionType.signature_algorithms, data: encodeU16List(cfg.signatureSchemes.filter(usableInTls13Handshake)) },
    ];
    const names = cfg.clientCertificates!.certificateAuthorities;
    if (names.length > 0) extensions.push({ type: ExtensionType.certificate_authorities, data: encodeCertificateAuthorities(names) });
    this.conn.sendHandshake(encodeCertificateRequest({ context: new Uint8Array(0), extensions }));
    this.conn.negotiated.certificateRequested = true;
  }

  private onClientCertificate(m: HandshakeMessage): void {
    const cfg = this.conn.config;
    const cert = decodeCertificate(m.body);
    if (cert.context.length !== 0) throw illegal('client Certificate has a certificate_request_context we did not send');
    const chain = cert.entries.map((e) => e.data);
    this.conn.negotiated.peerCertificates = chain;
    if (chain.length === 0) {
      cfg.verifyPeer?.({ chain, serverName: null });
      if (cfg.clientCertificates!.required) {
        throw new TlsFailure(AlertDescription.certificate_required, Reason.SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, 'the client sent no certificate, and this server requires one (SSL_VERIFY_FAIL_IF_NO_PEER_CERT)');
      }
      this.conn.transcript.add(m.raw);
      this.state = 'wait_finished';
      return;
    }
    if (!cfg.verifyPeer) throw new TlsFailure(AlertDescription.internal_error, Reason.SSL_R_NO_VERIFICATION_CONFIGURED, 'no way to verify client certificates was configured');
    cfg.verifyPeer({ chain, serverName: null });
    this.clientKey = leafPublicKey(cfg.provider, chain[0]!);
    this.conn.transcript.add(m.raw);
    this.state = 'wait_client_certificate_verify';
  }

  private onClientCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    checkCertificateVerify(this.conn.config.provider, this.conn.config.signatureSchemes, this.clientKey!, cv.scheme, cv.signature, 'client', this.conn.transcript.current());
    this.conn.negotiated.peerSignatureScheme = cv.scheme;
    this.conn.transcript.add(m.raw);
    this.state = 'wait_finished';
  }

  private sendHelloRetryRequest(facts: HelloFacts, group: number | null, withCookie: boolean): void {
    const cfg = this.conn.config;
    this.conn.negotiated.helloRetry = true;
    this.retryGroup = group ?? facts.shares.find((s) => cfg.groups.includes(s.group))!.group;
    const extensions: Extension[] = [];
    if (group !== null) extensions.push({ type: ExtensionType.key_share, data: encodeKeyShareHrr(group) });
    if (withCookie) {
      this.sentCookie = cfg.makeCookie ? cfg.makeCookie() : cfg.provider.randomBytes(32);
      extensions.push({ type: ExtensionType.cookie, data: encodeCookie(this.sentCookie) });
    }
    extensions.push({ type: ExtensionType.supported_versions, data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) });
    let hrr: ServerHello = {
      legacyVersion: ProtocolVersion.TLS1_2,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: facts.hello.legacySessionId,
      cipherSuite: this.suite.id,
      legacyCompressionMethod: 0,
      extensions,
    };
    if (cfg.hooks?.serverHello) hrr = cfg.hooks.serverHello(hrr);
    this.conn.transcript.replaceWithMessageHash();
    this.conn.sendHandshake(encodeServerHello(hrr));
    this.sendCompatibilityCcsOnce(facts.hello.legacySessionId);
    this.conn.ccsAllowed = true;
    // Early data the client sent with its first ClientHello is still skipped (RFC 8446 4.2.10).
    this.state = 'wait_client_hello_after_retry';
  }

  /**
   * Looks the offered PSKs up in order and takes the first one the lookup knows whose hash fits the
   * chosen suite. Unknown or foreign tickets are skipped (full handshake); the binder of the chosen
   * one must verify, compared in constant time, or the handshake fails (RFC 8446 4.2.11).
   */
  private selectPsk(facts: HelloFacts, raw: Uint8Array): AcceptedPsk | null {
    const cfg = this.conn.config;
    const offered = facts.psk;
    if (!offered || !cfg.lookupPsk) return null;
    const n = Math.min(offered.identities.length, MAX_PSK_LOOKUPS);
    for (let i = 0; i < n; i++) {
      const id = offered.identities[i]!;
      let accepted: ResumablePsk | null;
      try {
        accepted = cfg.lookupPsk({ identity: id.identity, obfuscatedTicketAge: id.obfuscatedTicketAge, serverName: facts.serverName });
      } catch {
        accepted = null; // a failing session store is a cache miss, not a failed handshake
      }
      if (!accepted || accepted.suite.hash !== this.suite.hash) continue;
      const th = binderTranscriptHash(this.conn.transcript, this.suite.hash, raw, offered.binders);
      const schedule = new KeySchedule13(cfg.provider, this.suite.hash, accepted.psk);
      const expected = binderOf(schedule, th);
      if (!equalBytes(expected, offered.binders[i]!)) {
        throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_BINDER_DOES_NOT_VERIFY, 'the PSK binder does not verify');
      }
      return { index: i, accepted, schedule };
    }
    return null;
  }

  /** RFC 8446 D.4: a server answers a compatibility-mode client (non-empty session ID) with one CCS. */
  private sendCompatibilityCcsOnce(sessionId: Uint8Array): void {
    if (sessionId.length > 0 && !this.ccsSent) {
      this.ccsSent = true;
      this.conn.sendCompatibilityCcs();
    }
  }

  private onFinished(m: HandshakeMessage): void {
    const ks = this.conn.keySchedule!;
    const expected = ks.finishedVerifyData(this.clientHsSecret!, this.conn.transcript.current());
    // A Finished of the wrong length is malformed (decode_error), not a failed check.
    const fin = decodeFinished(m.body, expected.length);
    if (!equalBytes(expected, fin.verifyData)) {
      throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_DIGEST_CHECK_FAILED, 'client Finished does not match the transcript');
    }
    this.conn.finishedReceived = fin.verifyData;
    this.conn.transcript.add(m.raw);
    this.conn.setReadSecret(this.suite, this.conn.clientTrafficSecret!);
    this.conn.ccsAllowed = false;
    this.conn.resumptionSecret = ks.resumptionMasterSecret(this.conn.transcript.current());
    this.conn.handshakeComplete = true;
    this.state = 'traffic';
    const tickets = this.conn.config.issueTickets?.(this.conn.resumptionSecret) ?? [];
    for (const t of tickets) {
      this.conn.sendHandshake(encodeNewSessionTicket({ ...t, extensions: t.extensions ?? [] }), false);
    }
  }
}

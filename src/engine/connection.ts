import type { SuiteInfo } from '../crypto/suites.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, KeyUpdateRequest, ProtocolVersion, alertName } from '../wire/enums.js';
import { Reason, TlsFailure, receivedAlertReason } from '../wire/errors.js';
import { HandshakeJoiner } from '../wire/handshake.js';
import type { HandshakeMessage } from '../wire/messages.js';
import type { EngineConfig } from './config.js';
import { packValues, packedTail, packedValue, replacePackedTail, replacePackedValue } from './packed-values.js';
import { Deframer, MAX_CIPHERTEXT_TLS12, MAX_CIPHERTEXT_TLS13, type RawRecord } from './record/deframer.js';
import { RecordProtection13, type RecordProtection } from './record/protect.js';
import { RELEASED_TRANSCRIPT, Transcript } from './transcript.js';
import { Tls12Client } from './tls12/client.js';
import { exportKeyingMaterial12 } from './tls12/prf.js';
import type { Tls12Session } from './tls12/common.js';
import { Tls13Client } from './tls13/client.js';
import { KeySchedule13 } from './tls13/key-schedule.js';
import { StoredTicket, appendTicketRecord, storedTickets, type TicketRecord } from './tls13/stored-ticket.js';
import { tls13Enabled } from './version-range.js';
import { ServerVersionDispatch } from './versions.js';

/** What processing one incoming record produced. */
export type RecordEvent =
  /** Handshake or post-handshake messages were processed (the handshake may have completed). */
  | { kind: 'handshake' }
  /** Application data, in order. */
  | { kind: 'data'; data: Uint8Array }
  /** The peer's close_notify: its write side is closed. */
  | { kind: 'close_notify' }
  /** A record that carries nothing for the caller (compatibility CCS, ignored warning alert, empty record, skipped early data). */
  | { kind: 'ignored'; what: string };

/** Parameters agreed by the handshake, for callers and traces. */
export interface Negotiated {
  version: 'TLSv1.3' | 'TLSv1.2' | null;
  suite: SuiteInfo | null;
  group: number | null;
  /** Scheme we signed our CertificateVerify with. */
  signatureScheme: number | null;
  /** Scheme the peer signed with. */
  peerSignatureScheme: number | null;
  alpn: string | null;
  serverName: string | null;
  /** The peer's certificate chain as sent (leaf first, DER). */
  peerCertificates: Uint8Array[];
  /** Whether a HelloRetryRequest happened. */
  helloRetry: boolean;
  /** Whether the server asked us for a client certificate. */
  certificateRequested: boolean;
  /** Whether the handshake resumed a session (a PSK was accepted). */
  resumed: boolean;
}

/** A TLS 1.3 ticket received from the server, with the PSK it stands for. */
export interface ReceivedTicket {
  lifetime: number;
  ageAdd: number;
  ticket: Uint8Array;
  maxEarlyData: number;
  psk: Uint8Array;
  suite: SuiteInfo;
  receivedAt: number;
  alpn: string | null;
  serverName: string | null;
}

/** A handshake state machine (one per role and version). */
export interface HandshakeMachine {
  /** Client: sends the first flight. */
  start(): void;
  /**
   * Handles one complete handshake message of `conn`, the connection the machine runs for (the
   * machines after the handshake are shared by all connections, so they are told). Throws TlsFailure.
   */
  handle(message: HandshakeMessage, conn: Connection): void;
  /** TLS 1.2: the peer's change_cipher_spec (its read key changes now). Throws TlsFailure when none is due. */
  changeCipherSpec?(): void;
  /**
   * The handshake is complete: the machine for the rest of the connection, which takes the
   * post-handshake messages and holds nothing only the handshake needed (key shares, hello
   * messages, handshake secrets, the peer's key). Without it the machine stays.
   */
  afterHandshake?(): HandshakeMachine;
}

/** A message-level trace entry for `-msg`-style output. */
export interface TraceEvent {
  direction: 'sent' | 'received';
  /** 'handshake' | 'alert' | 'change_cipher_spec' | 'application_data' */
  content: string;
  /** Handshake message type or alert description. */
  code?: number;
  level?: number;
  length: number;
}

/**
 * The peer certificates of a connection that has none (a server whose clients send none, so most
 * of them): one frozen array for all such connections. The handshake replaces the list, never
 * appends to it.
 */
const NO_CERTIFICATES = Object.freeze([]) as unknown as Uint8Array[];
/** The tickets of a connection before any arrived, and of every server connection: none (see Connection.tickets). */
const NO_TICKETS = Object.freeze([]) as unknown as ReceivedTicket[];

/** Limit on consecutive records that carry no progress (empty records, warnings, CCS). */
const MAX_EMPTY_RECORDS = 32;
/** OpenSSL's MAX_WARN_ALERT_COUNT: the 5th warning alert in a row is fatal (S-54). */
const MAX_WARN_ALERTS = 5;
/** takeOutputChunk joins queued records while they stay under this size (small ones are cheaper joined than written one by one). */
const JOIN_BELOW = 4096;
/** How many received tickets a client keeps (bounded memory whatever the server sends). */
const MAX_TICKETS = 8;

/**
 * The bits of Connection.flags: the connection's yes/no state in one field instead of one each
 * (56 bytes less of JS heap per connection), the public ones read and written through accessors
 * of their old names.
 */
const HANDSHAKE_COMPLETE = 1;
const CLOSE_NOTIFY_SENT = 2;
const WRITE_CLOSED = 4;
const CLOSE_NOTIFY_RECEIVED = 8;
const CCS_ALLOWED = 16;
/** A record has been sent (a client's first one says version 0x0301, as OpenSSL's). */
const FIRST_RECORD_SENT = 32;
/**
 * A protected record from the peer has been opened. Until then a plaintext alert is still legal
 * after we installed a read key: the peer may be rejecting our flight before it has a write key
 * (a client refusing the ServerHello or the certificate), as OpenSSL allows.
 */
const PEER_WRITES_PROTECTED = 64;
/** The handshake-only state has been dropped (once, when the handshake completes). */
const HANDSHAKE_RELEASED = 128;
/** A record has been received (what a deframer made again must know: see `deframer`). */
const RECORD_RECEIVED = 256;
/** Received records are under TLS 1.3's size limit (likewise). */
const TLS13_RECORDS = 512;
/** Client: the kept values' buffer has ticket records in its tail (see `tickets`). */
const TICKETS_IN_TAIL = 1024;

/** The slots of the values a connection keeps after its handshake (Connection.kept). */
const Kept = {
  finishedReceived: 0,
  finishedSent: 1,
  clientRandom: 2,
  clientTrafficSecret: 3,
  serverTrafficSecret: 4,
  exporterSecret: 5,
  resumptionSecret: 6,
} as const;
type Kept = (typeof Kept)[keyof typeof Kept];
const KEPT_SLOTS = 7;

/**
 * The sans-I/O TLS connection: bytes in (`receive`), records processed one at a time
 * (`nextRecord`), bytes out (`takeOutput`). It never touches a socket, a timer or global
 * randomness. Failures are thrown as TlsFailure; the caller then calls `fail()` to queue the alert.
 */
export class Connection {
  /**
   * The settings of this connection. Once the handshake is complete they are replaced by
   * `config.afterHandshake` when given (settings its context shares between connections, with none
   * of the callbacks and offers only a handshake uses: verifyPeer, lookupPsk, resumption,
   * issueTickets and their TLS 1.2 counterparts), so an idle connection keeps no settings object
   * and no callbacks of its own.
   */
  config: EngineConfig;
  /**
   * Client: the server name it sent (SNI), or null. Kept apart from `config` (shared after the
   * handshake): the tickets that arrive later and the session are for this name.
   */
  readonly requestedServerName: string | null;
  /** The handshake's transcript hash; RELEASED_TRANSCRIPT once the handshake is over. */
  transcript: Transcript;
  readonly negotiated: Negotiated = {
    version: null,
    suite: null,
    group: null,
    signatureScheme: null,
    peerSignatureScheme: null,
    alpn: null,
    serverName: null,
    peerCertificates: NO_CERTIFICATES,
    helloRetry: false,
    certificateRequested: false,
    resumed: false,
  };
  /**
   * The `state` of what the handshake resumed: server, the PSK's (EngineConfig.lookupPsk) or the
   * TLS 1.2 session's (lookupSession12); client, TLS 1.2, the offer's (resumption12).
   */
  resumedFrom: unknown = null;
  /**
   * The tickets as objects, once asked for (see `tickets`). Until then (client) the tickets
   * received are records (stored-ticket.ts) in the tail of the buffer the kept values are packed
   * in (see `keptPacked`): an idle client's tickets then cost no JS heap of their own, not a list,
   * an object and a buffer each (about 250 bytes per connection), nor a second ArrayBuffer (88).
   */
  private ticketList: readonly ReceivedTicket[] = NO_TICKETS;
  /** Optional observer for traces (`-msg`). */
  onTrace: ((e: TraceEvent) => void) | null = null;
  /**
   * Optional observer of traffic secrets in NSS key log terms (SSLKEYLOGFILE): label such as
   * CLIENT_HANDSHAKE_TRAFFIC_SECRET, the ClientHello random, the secret.
   */
  onKeyLog: ((label: string, clientRandom: Uint8Array, secret: Uint8Array) => void) | null = null;
  /** KeyUpdates so far per direction's sender (fields, not an object: one object less per connection). */
  private clientKeyUpdates = 0;
  private serverKeyUpdates = 0;

  /** The yes/no state of the connection, one bit each (the flag constants above). */
  private flags = 0;

  /** True once our side considers the handshake finished (application data may flow). */
  get handshakeComplete(): boolean {
    return (this.flags & HANDSHAKE_COMPLETE) !== 0;
  }

  set handshakeComplete(on: boolean) {
    this.setFlag(HANDSHAKE_COMPLETE, on);
  }

  /** We have queued our close_notify. */
  get closeNotifySent(): boolean {
    return (this.flags & CLOSE_NOTIFY_SENT) !== 0;
  }

  set closeNotifySent(on: boolean) {
    this.setFlag(CLOSE_NOTIFY_SENT, on);
  }

  /** Our write side is closed (close_notify sent, or SENT_SHUTDOWN set by the caller): KeyUpdates go unanswered (S-19). */
  get writeClosed(): boolean {
    return (this.flags & WRITE_CLOSED) !== 0;
  }

  set writeClosed(on: boolean) {
    this.setFlag(WRITE_CLOSED, on);
  }

  /** The peer's close_notify arrived. */
  get closeNotifyReceived(): boolean {
    return (this.flags & CLOSE_NOTIFY_RECEIVED) !== 0;
  }

  set closeNotifyReceived(on: boolean) {
    this.setFlag(CLOSE_NOTIFY_RECEIVED, on);
  }

  /** Whether a plaintext compatibility change_cipher_spec may still arrive (TLS 1.3, before the peer's Finished). */
  get ccsAllowed(): boolean {
    return (this.flags & CCS_ALLOWED) !== 0;
  }

  set ccsAllowed(on: boolean) {
    this.setFlag(CCS_ALLOWED, on);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** A fatal alert arrived from the peer (its description). */
  fatalAlertReceived: number | null = null;
  /** The fatal alert we sent, if any. */
  fatalAlertSent: number | null = null;
  /** The failure that ended this connection, if any (sticky). */
  failure: TlsFailure | null = null;

  /** Key schedule (TLS 1.3), set by the state machine once the suite is known. */
  keySchedule: KeySchedule13 | null = null;
  /**
   * The values below (`Kept` slots): set one by one during the handshake, then packed into one
   * buffer by releaseHandshakeState (see packed-values.ts), and read through views made on demand.
   * A client's tickets nobody has asked for yet are the tail of that buffer (see `tickets`).
   */
  private keptValues: (Uint8Array | null)[] | null = [null, null, null, null, null, null, null];
  private keptPacked: ArrayBuffer | null = null;

  private kept(slot: Kept): Uint8Array | null {
    return this.keptPacked ? packedValue(this.keptPacked, KEPT_SLOTS, slot) : (this.keptValues![slot] ?? null);
  }

  private keep(slot: Kept, value: Uint8Array | null): void {
    if (this.keptPacked) this.keptPacked = replacePackedValue(this.keptPacked, KEPT_SLOTS, slot, value);
    else this.keptValues![slot] = value;
  }

  /** ClientHello.random of this connection (set by the handshake machine). */
  get clientRandom(): Uint8Array | null {
    return this.kept(Kept.clientRandom);
  }
  set clientRandom(value: Uint8Array | null) {
    this.keep(Kept.clientRandom, value);
  }
  /** Current client application traffic secret (TLS 1.3), kept for KeyUpdate. */
  get clientTrafficSecret(): Uint8Array | null {
    return this.kept(Kept.clientTrafficSecret);
  }
  set clientTrafficSecret(value: Uint8Array | null) {
    this.keep(Kept.clientTrafficSecret, value);
  }
  /** Current server application traffic secret (TLS 1.3), kept for KeyUpdate. */
  get serverTrafficSecret(): Uint8Array | null {
    return this.kept(Kept.serverTrafficSecret);
  }
  set serverTrafficSecret(value: Uint8Array | null) {
    this.keep(Kept.serverTrafficSecret, value);
  }
  /** exporter_master_secret (TLS 1.3), for exportKeyingMaterial. */
  get exporterSecret(): Uint8Array | null {
    return this.kept(Kept.exporterSecret);
  }
  set exporterSecret(value: Uint8Array | null) {
    this.keep(Kept.exporterSecret, value);
  }
  /** resumption_master_secret (TLS 1.3), for tickets. */
  get resumptionSecret(): Uint8Array | null {
    return this.kept(Kept.resumptionSecret);
  }
  set resumptionSecret(value: Uint8Array | null) {
    this.keep(Kept.resumptionSecret, value);
  }
  /** verify_data of the Finished message we sent (RFC 8446 4.4.4; Node's getFinished()). */
  get finishedSent(): Uint8Array | null {
    return this.kept(Kept.finishedSent);
  }
  set finishedSent(value: Uint8Array | null) {
    this.keep(Kept.finishedSent, value);
  }
  /** verify_data of the peer's Finished message, once verified (Node's getPeerFinished()). */
  get finishedReceived(): Uint8Array | null {
    return this.kept(Kept.finishedReceived);
  }
  set finishedReceived(value: Uint8Array | null) {
    this.keep(Kept.finishedReceived, value);
  }

  /** The handshake machine; version negotiation replaces the first one (see versions.ts). */
  machine: HandshakeMachine;
  /** The TLS 1.2 session once its master secret exists (null for TLS 1.3). */
  tls12: Tls12Session | null = null;
  /** Client, TLS 1.2: the RFC 5077 ticket the server issued in this handshake (null if none or empty). */
  ticket12: { ticket: Uint8Array; lifetimeHint: number; receivedAt: number } | null = null;
  /** Bytes of rejected 0-RTT data the server may still skip (RFC 8446 4.2.10). */
  earlyDataSkipBudget = 0;
  /** Largest plaintext we put in one record (the peer's record_size_limit may lower it). */
  maxSendFragment: number;

  /**
   * Reassembles records from the transport's bytes. Made by the first bytes received; dropped when
   * the transport has nothing more for now and it holds no partial record, and made again by the
   * next bytes, so an idle connection keeps none (72 bytes). What it has to remember in between
   * (whether records came, the TLS 1.3 size limit) is in flags.
   */
  private deframer: Deframer | null = null;
  /**
   * Reassembles handshake messages from records. Made by the first handshake record, dropped when
   * it holds nothing once the handshake is complete (made again by a post-handshake message), so
   * an idle connection keeps none.
   */
  private joiner: HandshakeJoiner | null = null;
  private readProtection: RecordProtection | null = null;
  /** Our record_size_limit once the peer has accepted it (RFC 8449), applied to every read key. */
  private receivedRecordLimit: number | null = null;
  private writeProtection: RecordProtection | null = null;
  /** Handshake messages not yet in records, and records not yet taken; null while empty (no array held by an idle connection). */
  private pendingHandshake: Uint8Array[] | null = null;
  private output: Uint8Array[] | null = null;
  private outputLength = 0;
  private emptyRecords = 0;
  private warnAlerts = 0;

  constructor(
    config: EngineConfig,
    readonly role: 'client' | 'server',
  ) {
    this.config = config;
    this.requestedServerName = role === 'client' ? (config.serverName ?? null) : null;
    this.transcript = new Transcript(config.provider);
    this.maxSendFragment = Math.min(16384, config.maxFragmentLength);
    if (role === 'server') this.machine = new ServerVersionDispatch(this);
    else this.machine = tls13Enabled(config) ? new Tls13Client(this) : new Tls12Client(this);
  }

  /** Version negotiation: the machine for the chosen version takes over from the current one. */
  switchMachine(next: HandshakeMachine): void {
    this.machine = next;
  }

  /** Client: queues the first flight. Server: nothing (it waits for a ClientHello). */
  start(): void {
    this.machine.start();
    this.flushHandshake();
  }

  // ---------------------------------------------------------------- input

  /**
   * Appends bytes read from the transport. `stable`: the caller never modifies `data` afterwards,
   * so whole records in it are used where they are instead of being copied (see Deframer.push).
   */
  receive(data: Uint8Array, stable = false): void {
    (this.deframer ?? this.newDeframer()).push(data, stable);
  }

  /** A deframer made again after an idle spell (see `deframer`), with what the last one knew. */
  private newDeframer(): Deframer {
    const limit = (this.flags & TLS13_RECORDS) !== 0 ? MAX_CIPHERTEXT_TLS13 : MAX_CIPHERTEXT_TLS12;
    return (this.deframer = new Deframer(limit, (this.flags & RECORD_RECEIVED) !== 0));
  }

  /**
   * The transport has nothing more for now: the receive buffer (and the deframer) is dropped if it
   * holds no partial record, so idle connections stay small.
   */
  inputDrained(): void {
    const d = this.deframer;
    if (d === null) return;
    d.release();
    if (d.buffered === 0) {
      if (d.recordsSeen) this.flags |= RECORD_RECEIVED;
      this.deframer = null;
    }
  }

  /** How many more bytes complete the next record (at least 1), so callers can read exactly. */
  bytesNeeded(): number {
    // With no deframer nothing is buffered: a record header is next.
    return this.deframer?.needed() ?? 5;
  }

  /** Bytes received but not yet processed as records. */
  get bufferedInput(): number {
    return this.deframer?.buffered ?? 0;
  }

  /**
   * Processes the next complete record, or returns null when more input is needed. Throws
   * TlsFailure when the peer's input is bad or a fatal alert arrives; the caller must then call
   * `fail()` (which is a no-op for received fatal alerts).
   */
  nextRecord(): RecordEvent | null {
    if (this.failure) throw this.failure;
    const record = this.deframer === null ? null : this.deframer.next();
    if (!record) return null;
    const event = this.processRecord(record);
    this.flushHandshake();
    if (this.handshakeComplete && (this.flags & HANDSHAKE_RELEASED) === 0) this.releaseHandshakeState();
    return event;
  }

  /**
   * Idle connections should cost little memory (node:tls keeps ~30 KB each): once the handshake
   * is complete, everything only the handshake needed is dropped (the transcript hash, the key
   * schedule's stage secrets, the machine's hello messages, key shares and handshake secrets, the
   * certificate verifier), and the values kept for the application (Finished data, client random,
   * peer certificates) are copied out of the handshake records they are views of, so those
   * records can go too (the peer's chain into one the context shares between the connections
   * that received the same chain: config.keepPeerCertificates). What KeyUpdate, tickets,
   * exporters and getPeerCertificate need stays.
   */
  private releaseHandshakeState(): void {
    this.flags |= HANDSHAKE_RELEASED;
    this.transcript.release();
    this.transcript = RELEASED_TRANSCRIPT;
    if (this.keySchedule) {
      this.keySchedule.releaseStageSecrets();
      this.keySchedule = KeySchedule13.released(this.config.provider, this.keySchedule.hash);
    }
    if (this.machine.afterHandshake) this.machine = this.machine.afterHandshake();
    this.pendingHandshake = null;
    // The values kept for later go into one buffer: out of the handshake records they may be
    // views of, and one allocation and one view instead of seven of each.
    this.keptPacked = packValues(this.keptValues!);
    this.keptValues = null;
    const n = this.negotiated;
    if (n.peerCertificates.length > 0) {
      const keep = this.config.keepPeerCertificates;
      n.peerCertificates = keep ? keep(n.peerCertificates) : n.peerCertificates.map((c) => new Uint8Array(c));
    }
    // Only handshakes verify certificates, look PSKs up, issue TLS 1.3 tickets (with the server's
    // last handshake step, before this runs) or offer a session; renegotiation is refused. So the
    // connection keeps the settings its context shares after handshakes, or, without them, its
    // own with those callbacks cleared (set to undefined: delete would make a slow dictionary).
    const shared = this.config.afterHandshake;
    if (shared) {
      this.config = shared;
      return;
    }
    const cfg = this.config;
    cfg.verifyPeer = undefined;
    cfg.lookupPsk = undefined;
    cfg.resumption = undefined;
    cfg.lookupSession12 = undefined;
    cfg.issueTicket12 = undefined;
    cfg.resumption12 = undefined;
    cfg.issueTickets = undefined;
  }

  private processRecord(record: RawRecord): RecordEvent {
    let type = record.type;
    let content = record.fragment;
    const protection = this.readProtection;
    // TLS 1.3 protects records under the outer type application_data; TLS 1.2 protects every
    // record but change_cipher_spec under its real type.
    if (protection && (type === ContentType.application_data || (protection.outerTypeIsReal && type !== ContentType.change_cipher_spec))) {
      try {
        ({ type, content } = protection.open(record.header, record.fragment));
      } catch (e) {
        if (this.earlyDataSkipBudget > 0 && e instanceof TlsFailure && e.alert === AlertDescription.bad_record_mac) {
          // Rejected 0-RTT data: skip it, within the advertised bound (RFC 8446 4.2.10).
          this.earlyDataSkipBudget -= Math.min(this.earlyDataSkipBudget, record.fragment.length);
          protection.undoLastOpen();
          return this.noProgress('skipped early data');
        }
        throw e;
      }
      this.earlyDataSkipBudget = 0;
      // The peer has its write key: from now on its alerts come protected too.
      this.flags |= PEER_WRITES_PROTECTED;
    } else if (this.readProtection && type !== ContentType.change_cipher_spec && (type !== ContentType.alert || (this.flags & PEER_WRITES_PROTECTED) !== 0)) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_RECORD, `unprotected ${type === ContentType.alert ? 'alert' : 'handshake'} record after keys were installed`);
    } else if (content.length > 16384) {
      throw new TlsFailure(AlertDescription.record_overflow, Reason.SSL_R_DATA_LENGTH_TOO_LONG, 'plaintext record over 2^14 bytes');
    }
    // RFC 8446 5.1: the records of a fragmented handshake message may not have other records between them.
    if (type !== ContentType.handshake && this.handshakeFragmentPending) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA, `${type === ContentType.alert ? 'an alert' : type === ContentType.change_cipher_spec ? 'a change_cipher_spec' : 'an application data'} record inside a fragmented handshake message`);
    }
    if (record.type === ContentType.change_cipher_spec) return this.handleCcs(content);
    if (!this.readProtection && type === ContentType.application_data) {
      if (this.earlyDataSkipBudget > 0 && this.role === 'server' && !this.handshakeComplete) {
        // 0-RTT data sent before the client read our HelloRetryRequest (RFC 8446 4.2.10).
        this.earlyDataSkipBudget -= Math.min(this.earlyDataSkipBudget, record.fragment.length);
        return this.noProgress('skipped early data');
      }
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_RECORD, 'application data before the handshake keys');
    }

    switch (type) {
      case ContentType.handshake:
        return this.handleHandshakeRecord(content);
      case ContentType.alert:
        return this.handleAlert(content);
      case ContentType.application_data:
        if (!this.handshakeComplete) {
          throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_RECORD, 'application data before the handshake finished');
        }
        if (content.length === 0) return this.noProgress('empty application data record');
        this.emptyRecords = 0;
        this.warnAlerts = 0;
        this.trace('received', 'application_data', content.length);
        return { kind: 'data', data: content };
      case ContentType.change_cipher_spec:
        throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_BAD_CHANGE_CIPHER_SPEC, 'change_cipher_spec inside a protected record');
      default:
        throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_BAD_RECORD_TYPE, `record content type ${type}`);
    }
  }

  private noProgress(what: string): RecordEvent {
    if (++this.emptyRecords > MAX_EMPTY_RECORDS) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_TOO_MANY_EMPTY_RECORDS, `more than ${MAX_EMPTY_RECORDS} records in a row carried nothing`);
    }
    return { kind: 'ignored', what };
  }

  private handleCcs(content: Uint8Array): RecordEvent {
    if (this.negotiated.version === 'TLSv1.2') {
      // TLS 1.2: a real protocol message that switches the peer's keys, legal only where the
      // handshake machine expects it (RFC 5246 7.1).
      if (content.length !== 1 || content[0] !== 1) {
        throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_BAD_CHANGE_CIPHER_SPEC, `change_cipher_spec of ${content.length} bytes`);
      }
      this.trace('received', 'change_cipher_spec', 1);
      if (!this.machine.changeCipherSpec) throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_CCS_RECEIVED_EARLY, 'change_cipher_spec not expected');
      this.emptyRecords = 0;
      this.machine.changeCipherSpec();
      return { kind: 'handshake' };
    }
    // TLS 1.3 middlebox compatibility (RFC 8446 5): a plaintext CCS of value 1 is dropped while
    // the handshake runs; anything else is an unexpected_message.
    if (!this.ccsAllowed || content.length !== 1 || content[0] !== 1) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_BAD_CHANGE_CIPHER_SPEC, 'change_cipher_spec not allowed here');
    }
    this.trace('received', 'change_cipher_spec', 1);
    return this.noProgress('change_cipher_spec');
  }

  private handleHandshakeRecord(content: Uint8Array): RecordEvent {
    if (content.length === 0) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_RECORD, 'empty handshake record');
    }
    this.emptyRecords = 0;
    this.warnAlerts = 0;
    const joiner = (this.joiner ??= new HandshakeJoiner());
    joiner.push(content);
    for (let m = joiner.next(); m; m = joiner.next()) {
      this.trace('received', 'handshake', m.raw.length, m.type);
      this.machine.handle(m, this);
      if (this.failure) break;
    }
    if (this.handshakeComplete && !joiner.pending) this.joiner = null;
    return { kind: 'handshake' };
  }

  private handleAlert(content: Uint8Array): RecordEvent {
    if (content.length !== 2 || this.handshakeFragmentPending) {
      // unexpected_message, as OpenSSL 3 (S-57).
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_INVALID_ALERT, `alert record of ${content.length} bytes`);
    }
    const level = content[0]!;
    const description = content[1]!;
    this.trace('received', 'alert', 2, description, level);
    const tls13 = this.negotiated.version !== 'TLSv1.2';
    if (description === AlertDescription.close_notify && (tls13 || level === AlertLevel.warning)) {
      // TLS 1.3 ignores the level (RFC 8446 6, S-53); TLS 1.2 needs warning level.
      this.closeNotifyReceived = true;
      return { kind: 'close_notify' };
    }
    if (tls13 ? description === AlertDescription.user_canceled : level === AlertLevel.warning) {
      // TLS 1.3: only user_canceled is a warning, whatever its level field says (RFC 8446 6, S-55,
      // as OpenSSL); TLS 1.2: warnings other than close_notify
      // and no_renegotiation are ignored (S-54), but a run of them is fatal.
      if (!tls13 && description === AlertDescription.no_renegotiation) {
        throw new TlsFailure(AlertDescription.handshake_failure, Reason.SSL_R_RENEGOTIATION_NOT_SUPPORTED, 'peer refused renegotiation');
      }
      if (++this.warnAlerts >= MAX_WARN_ALERTS) {
        throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_TOO_MANY_WARN_ALERTS, `${MAX_WARN_ALERTS} warning alerts in a row`);
      }
      return { kind: 'ignored', what: `warning alert ${description}` };
    }
    if (level !== AlertLevel.warning && level !== AlertLevel.fatal && !tls13) {
      throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_UNKNOWN_ALERT_TYPE, `alert level ${level}`);
    }
    // Every other alert is fatal (RFC 8446 6.2, S-55, S-56): no alert goes back.
    this.fatalAlertReceived = description;
    throw receivedAlert(description, this.clientCertificateHint(description));
  }

  /**
   * What a client should know when a server that asked for its certificate sends a fatal alert
   * about certificates: whether it got none from us (and what to configure), or refused ours.
   */
  private clientCertificateHint(description: number): string {
    const n = this.negotiated;
    if (this.role !== 'client' || !n.certificateRequested) return '';
    // A client's own signatureScheme is set only when it signed a CertificateVerify.
    const sent = n.signatureScheme !== null;
    if (!sent && (description === AlertDescription.handshake_failure || description === AlertDescription.certificate_required)) {
      return ': the server asked for a client certificate and none was sent (configure certificate and privateKey on the context, with a key type and signature scheme the server accepts)';
    }
    if (sent && CERTIFICATE_ALERTS.has(description)) return ': the server refused our client certificate (check that it chains to a CA the server trusts, is valid now and allows clientAuth)';
    return '';
  }

  // --------------------------------------------------------------- output

  /** Whether records are waiting to be written to the transport. */
  get hasOutput(): boolean {
    return this.outputLength > 0;
  }

  /** Bytes waiting to be written to the transport. */
  get outputBytes(): number {
    return this.outputLength;
  }

  /** Takes all pending output as one array (null if none). */
  takeOutput(): Uint8Array | null {
    const output = this.output;
    if (output === null || this.outputLength === 0) return null;
    let out: Uint8Array;
    if (output.length === 1) out = output[0]!;
    else {
      out = new Uint8Array(this.outputLength);
      let at = 0;
      for (const chunk of output) {
        out.set(chunk, at);
        at += chunk.length;
      }
    }
    this.output = null;
    this.outputLength = 0;
    return out;
  }

  /**
   * Takes pending output one piece at a time without joining: a run of small records (a handshake
   * flight) comes as one array, a large record alone, so bulk ciphertext is never copied again
   * here (the transport gathers the pieces, e.g. a corked socket's writev). Null when none.
   */
  takeOutputChunk(): Uint8Array | null {
    const queue = this.output;
    if (queue === null || queue.length === 0) return null;
    const first = queue[0]!;
    let count = 1;
    let bytes = first.length;
    if (first.length < JOIN_BELOW) {
      while (count < queue.length && bytes + queue[count]!.length <= JOIN_BELOW) bytes += queue[count++]!.length;
    }
    let out: Uint8Array;
    if (count === 1) out = first;
    else {
      out = new Uint8Array(bytes);
      let at = 0;
      for (let i = 0; i < count; i++) {
        out.set(queue[i]!, at);
        at += queue[i]!.length;
      }
    }
    if (count === queue.length) this.output = null;
    else queue.splice(0, count);
    this.outputLength -= bytes;
    return out;
  }

  private emit(record: Uint8Array): void {
    (this.output ??= []).push(record);
    this.outputLength += record.length;
  }

  private writeRecord(type: number, content: Uint8Array): void {
    if (this.writeProtection) {
      // Queued as the pieces the AEAD made; takeOutputChunk joins only small neighbours.
      for (const piece of this.writeProtection.sealParts(type, content)) this.emit(piece);
      return;
    }
    const record = new Uint8Array(5 + content.length);
    record[0] = type;
    record[1] = 0x03;
    // The first ClientHello goes in a record marked TLS 1.0 for old middleboxes (RFC 8446 5.1).
    record[2] = (this.flags & FIRST_RECORD_SENT) === 0 && this.role === 'client' ? 0x01 : 0x03;
    record[3] = content.length >>> 8;
    record[4] = content.length & 0xff;
    record.set(content, 5);
    this.flags |= FIRST_RECORD_SENT;
    this.emit(record);
  }

  /** Queues a handshake message; messages of one flight share records until a key change. */
  sendHandshake(raw: Uint8Array, addToTranscript = true): void {
    if (addToTranscript) this.transcript.add(raw);
    this.trace('sent', 'handshake', raw.length, raw[0]);
    (this.pendingHandshake ??= []).push(raw);
  }

  /** Writes queued handshake messages as records under the current write key. */
  flushHandshake(): void {
    const pending = this.pendingHandshake;
    if (pending === null) return;
    this.pendingHandshake = null;
    let total = 0;
    for (const m of pending) total += m.length;
    const all = new Uint8Array(total);
    let at = 0;
    for (const m of pending) {
      all.set(m, at);
      at += m.length;
    }
    for (let i = 0; i < all.length; i += this.maxSendFragment) {
      this.writeRecord(ContentType.handshake, all.subarray(i, Math.min(all.length, i + this.maxSendFragment)));
    }
  }

  /** A plaintext change_cipher_spec record (TLS 1.3 middlebox compatibility, RFC 8446 D.4; TLS 1.2's key change, sent before the new write key is installed). */
  sendCompatibilityCcs(): void {
    this.flushHandshake();
    this.emit(new Uint8Array([ContentType.change_cipher_spec, 0x03, 0x03, 0x00, 0x01, 0x01]));
    this.trace('sent', 'change_cipher_spec', 1);
  }

  /** Encrypts application data into records of at most the negotiated fragment size. */
  sendApplicationData(data: Uint8Array): void {
    if (!this.handshakeComplete) throw new Error('sendApplicationData before the handshake completed');
    const max = this.maxSendFragment;
    for (let i = 0; i < data.length; i += max) {
      const chunk = data.subarray(i, Math.min(data.length, i + max));
      this.writeRecord(ContentType.application_data, chunk);
    }
    this.trace('sent', 'application_data', data.length);
  }

  /** Queues an alert record. */
  sendAlert(level: number, description: number): void {
    this.flushHandshake();
    this.writeRecord(ContentType.alert, new Uint8Array([level, description]));
    this.trace('sent', 'alert', 2, description, level);
  }

  /** Queues our close_notify (warning level for both versions, S-2). */
  sendCloseNotify(): void {
    if (this.closeNotifySent) return;
    this.closeNotifySent = true;
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
  }

  /**
   * Ends the connection with a failure. Queues the fatal alert unless `sendAlert` is false, the
   * failure carries none, or the failure is a received alert. Sticky: later calls keep the first.
   */
  fail(failure: TlsFailure, sendAlert = true): void {
    if (this.failure) return;
    this.failure = failure;
    this.pendingHandshake = null;
    if (sendAlert && failure.alert !== null && this.fatalAlertReceived === null) {
      this.fatalAlertSent = failure.alert;
      try {
        this.sendAlert(AlertLevel.fatal, failure.alert);
      } catch {
        // Sealing the alert cannot fail with a valid key; if it does, there is nothing left to send.
      }
    }
  }

  // ------------------------------------------------------------ key changes

  /** Installs a TLS 1.3 read key derived from `secret`. Must happen on a record boundary. */
  setReadSecret(suite: SuiteInfo, secret: Uint8Array): void {
    if (this.handshakeFragmentPending) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_NOT_ON_RECORD_BOUNDARY, 'handshake message spans a key change');
    }
    this.readProtection = this.protectionFor(suite, secret);
    if (this.receivedRecordLimit !== null) this.readProtection.limitReceivedPlaintext(this.receivedRecordLimit);
    this.flags |= TLS13_RECORDS;
    if (this.deframer !== null) this.deframer.maxFragment = MAX_CIPHERTEXT_TLS13;
  }

  /** Installs a TLS 1.3 write key derived from `secret` (queued handshake messages go out under the old key first). */
  setWriteSecret(suite: SuiteInfo, secret: Uint8Array): void {
    this.flushHandshake();
    this.writeProtection = this.protectionFor(suite, secret);
  }

  /** Installs TLS 1.2 read protection (at the peer's change_cipher_spec, so on a record boundary). */
  setReadProtection(protection: RecordProtection): void {
    if (this.handshakeFragmentPending) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_NOT_ON_RECORD_BOUNDARY, 'handshake message spans a key change');
    }
    this.readProtection = protection;
    if (this.receivedRecordLimit !== null) protection.limitReceivedPlaintext(this.receivedRecordLimit);
  }

  /**
   * The peer accepted the record_size_limit we advertised: from now on, protected records larger
   * than `limit` (counted as the negotiated version counts it, RFC 8449 4) are record_overflow.
   * Unprotected records keep the protocol's own limit.
   */
  limitReceivedRecords(limit: number): void {
    this.receivedRecordLimit = limit;
    this.readProtection?.limitReceivedPlaintext(limit);
  }

  /** Installs TLS 1.2 write protection (queued handshake messages go out under the old key first). */
  setWriteProtection(protection: RecordProtection): void {
    this.flushHandshake();
    this.writeProtection = protection;
  }

  private protectionFor(suite: SuiteInfo, secret: Uint8Array): RecordProtection13 {
    const ks = this.keySchedule!;
    const { key, iv } = ks.trafficKeys(secret, suite.keyLength);
    return new RecordProtection13(this.config.provider.createAead(suite.aead, key), iv);
  }

  /** Whether the joiner holds part of a handshake message. */
  get handshakeFragmentPending(): boolean {
    return this.joiner?.pending === true;
  }

  // ------------------------------------------------------- post-handshake

  /** Sends a KeyUpdate and moves our write side to the next traffic secret (RFC 8446 4.6.3). */
  sendKeyUpdate(requestPeerUpdate: boolean): void {
    if (!this.handshakeComplete || this.negotiated.version !== 'TLSv1.3') throw new Error('KeyUpdate needs an established TLS 1.3 connection');
    const body = new Uint8Array([HandshakeType.key_update, 0, 0, 1, requestPeerUpdate ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested]);
    this.sendHandshake(body, false);
    this.flushHandshake();
    const suite = this.negotiated.suite!;
    const ks = this.keySchedule!;
    this.advanceTrafficSecret(this.role, 'write', suite, ks);
  }

  /** Moves one side's application traffic secret to the next generation and installs it. */
  private advanceTrafficSecret(side: 'client' | 'server', direction: 'read' | 'write', suite: SuiteInfo, ks: KeySchedule13): void {
    const next = ks.nextTrafficSecret(side === 'client' ? this.clientTrafficSecret! : this.serverTrafficSecret!);
    if (side === 'client') this.clientTrafficSecret = next;
    else this.serverTrafficSecret = next;
    const n = side === 'client' ? ++this.clientKeyUpdates : ++this.serverKeyUpdates;
    this.logSecret(`${side === 'client' ? 'CLIENT' : 'SERVER'}_TRAFFIC_SECRET_${n}`, next);
    if (direction === 'read') this.setReadSecret(suite, next);
    else this.setWriteSecret(suite, next);
  }

  /** Handles a received KeyUpdate: new read key, and an answer when asked (unless our write side is closed, S-19). */
  receiveKeyUpdate(request: number): void {
    const suite = this.negotiated.suite!;
    const ks = this.keySchedule!;
    this.advanceTrafficSecret(this.role === 'client' ? 'server' : 'client', 'read', suite, ks);
    if (request === KeyUpdateRequest.update_requested && !this.closeNotifySent && !this.writeClosed) this.sendKeyUpdate(false);
  }

  /** Reports a secret to the key log observer, if any. */
  logSecret(label: string, secret: Uint8Array): void {
    if (this.onKeyLog && this.clientRandom) this.onKeyLog(label, this.clientRandom, secret);
  }

  /**
   * Tickets received (client), newest last; the newest few are kept. Never changed in place: a
   * ticket that arrives after this was read makes a new list (a session made before it arrived is
   * given the new one, see SessionKeeper.observe). Until a ticket came it is one frozen empty list
   * all connections share.
   */
  get tickets(): readonly ReceivedTicket[] {
    // Read after every record (SessionKeeper.observe): a flag, so that costs no views.
    if ((this.flags & TICKETS_IN_TAIL) !== 0) {
      // Records are only kept while the list is empty (see addTicket).
      const packed = this.keptPacked!;
      this.flags &= ~TICKETS_IN_TAIL;
      this.ticketList = storedTickets(packedTail(packed, KEPT_SLOTS), this.negotiated.suite!, this.negotiated.alpn, this.requestedServerName);
      this.keptPacked = replacePackedTail(packed, KEPT_SLOTS, null);
    }
    return this.ticketList;
  }

  /**
   * Stores a ticket (client) received under the negotiated suite, for the ALPN protocol
   * negotiated and the server name sent; keeps only the newest few.
   */
  addTicket(ticket: TicketRecord): void {
    const list = this.ticketList;
    const packed = this.keptPacked;
    if (list.length === 0 && packed !== null) {
      this.keptPacked = replacePackedTail(packed, KEPT_SLOTS, appendTicketRecord(packedTail(packed, KEPT_SLOTS), ticket, MAX_TICKETS));
      this.flags |= TICKETS_IN_TAIL;
      return;
    }
    // Asked for already: a new list, exactly as long as its contents (concat: the first push onto
    // an array reserves 17 slots).
    const kept = list.length >= MAX_TICKETS ? list.slice(1) : list;
    this.ticketList = kept.concat(StoredTicket.copy({ ...ticket, suite: this.negotiated.suite!, alpn: this.negotiated.alpn, serverName: this.requestedServerName }));
  }

  /** Keying material exporter: RFC 8446 7.5 for TLS 1.3, RFC 5705 for TLS 1.2. */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    const t12 = this.tls12;
    if (this.negotiated.version === 'TLSv1.2') {
      if (!this.handshakeComplete || !t12) throw new Error('exporter used before the handshake completed');
      return exportKeyingMaterial12(this.config.provider, t12.suite.hash, t12.masterSecret, t12.clientRandom, t12.serverRandom, label, context, length);
    }
    if (!this.handshakeComplete || !this.exporterSecret || !this.keySchedule) throw new Error('exporter used before the handshake completed');
    return this.keySchedule.exportKeyingMaterial(this.exporterSecret, label, context, length);
  }

  /** The protocol version number negotiated so far. */
  get versionNumber(): number {
    return this.negotiated.version === 'TLSv1.2' ? ProtocolVersion.TLS1_2 : ProtocolVersion.TLS1_3;
  }

  private trace(direction: 'sent' | 'received', content: string, length: number, code?: number, level?: number): void {
    if (this.onTrace) {
      const e: TraceEvent = { direction, content, length };
      if (code !== undefined) e.code = code;
      if (level !== undefined) e.level = level;
      this.onTrace(e);
    }
  }
}

/** The failure that stands for a fatal alert received from the peer: no alert is sent back. */
export function receivedAlert(description: number, hint = ''): TlsFailure {
  return new TlsFailure(null, receivedAlertReason(description), `the peer sent a fatal ${alertName(description)} alert${hint}`);
}

/** The alerts a peer sends about a certificate it refused (RFC 8446 6.2, RFC 5246 7.2.2). */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([
  AlertDescription.bad_certificate,
  AlertDescription.unsupported_certificate,
  AlertDescription.certificate_revoked,
  AlertDescription.certificate_expired,
  AlertDescription.certificate_unknown,
  AlertDescription.unknown_ca,
  AlertDescription.access_denied,
]);

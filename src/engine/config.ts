import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import type { SuiteInfo } from '../crypto/suites.js';
import type { ReceivedTicket } from './connection.js';
import type { ClientHello, EncryptedExtensions, NewSessionTicket, ServerHello } from '../wire/messages.js';

/** Protocol versions typessl speaks, in OpenSSL's spelling. */
export type ProtocolVersionName = 'TLSv1.2' | 'TLSv1.3';

/** A certificate chain (leaf first, DER) and its private key. */
export interface CertifiedKey {
  chain: Uint8Array[];
  key: PrivateKey;
}

/** What the engine tells a peer-verification callback. */
export interface PeerCertificateInfo {
  /** The peer's chain as sent, leaf first (DER). */
  chain: Uint8Array[];
  /** The server name the client asked for (client side), if any. */
  serverName: string | null;
}

/**
 * Steering hooks for test tools and trace reproduction: each may rewrite a message just before it
 * is encoded and sent. The transcript is always computed over the bytes actually sent, so a hook
 * cannot desynchronise the handshake, only make it different. Not needed in normal use.
 */
export interface HandshakeHooks {
  clientHello?(hello: ClientHello): ClientHello;
  serverHello?(hello: ServerHello): ServerHello;
  encryptedExtensions?(ee: EncryptedExtensions): EncryptedExtensions;
}

/** A ticket the server sends after the handshake; `ticket` is opaque to the client. */
export type TicketToSend = Omit<NewSessionTicket, 'extensions'> & { extensions?: NewSessionTicket['extensions'] };

/** Client: what resuming a TLS 1.3 session needs (a ticket and what the session remembers). */
export interface ResumptionOffer {
  /** The ticket to offer, with its PSK; its suite's hash must be one of the offered suites'. */
  ticket: ReceivedTicket;
  /** The server certificates of the original session: the resumed connection's peer certificates. */
  peerCertificates: Uint8Array[];
}

/**
 * Client: a TLS 1.2 session to offer (RFC 5246 7.4.1.2 session ID, RFC 5077 ticket). The server
 * resumes it by echoing `sessionId`.
 */
export interface Resumption12Offer {
  /** The session ID to send: the server's, or a fresh random one that goes with a ticket (RFC 5077 3.4). */
  sessionId: Uint8Array;
  /** The RFC 5077 ticket to send in session_ticket, if any. */
  ticket: Uint8Array | null;
  masterSecret: Uint8Array;
  extendedMasterSecret: boolean;
  /** The session's cipher suite: the server must resume with the same one. */
  suite: SuiteInfo;
  /** The server certificates of the original session: the resumed connection's peer certificates. */
  peerCertificates: Uint8Array[];
  /** Opaque to the engine: handed back in `Connection.resumedFrom`. */
  state?: unknown;
}

/** What a TLS 1.2 server's session lookup is told about a ClientHello. */
export interface Session12Query {
  /** ClientHello.session_id (may be empty). */
  sessionId: Uint8Array;
  /** The session_ticket extension's content: null when absent, empty when the client has none. */
  ticket: Uint8Array | null;
  /** The SNI of this ClientHello, if any. */
  serverName: string | null;
}

/** Server: a TLS 1.2 session the lookup found. The engine still checks suite and EMS against the ClientHello. */
export interface Resumable12 {
  masterSecret: Uint8Array;
  extendedMasterSecret: boolean;
  suite: SuiteInfo;
  /** The original session's peer certificates (the client's, if it sent one). */
  peerCertificates: Uint8Array[];
  /** Found through a ticket that should be replaced by a new one (sealed under an older key). */
  renewTicket: boolean;
  /** Opaque to the engine: handed back in `Connection.resumedFrom`. */
  state?: unknown;
}

/** Server: an RFC 5077 ticket to send in a TLS 1.2 NewSessionTicket. */
export interface Ticket12ToSend {
  lifetimeHint: number;
  ticket: Uint8Array;
}

/** What a server-side PSK lookup is told about one offered identity. */
export interface PskQuery {
  /** The PskIdentity.identity (a ticket). */
  identity: Uint8Array;
  obfuscatedTicketAge: number;
  /** The SNI of this ClientHello, if any. */
  serverName: string | null;
}

/** Server: a PSK the lookup accepted. */
export interface ResumablePsk {
  psk: Uint8Array;
  /** The original session's suite; only suites with the same hash can resume it (RFC 8446 4.2.11). */
  suite: SuiteInfo;
  /** The original session's peer certificates (the client's, if it sent one). */
  peerCertificates: Uint8Array[];
  /** Opaque to the engine: handed back in `Connection.resumedFrom`. */
  state?: unknown;
}

/**
 * Everything the protocol engine needs to run one connection. `SslContext` builds it; tests may
 * build it directly. Lists are in preference order.
 */
export interface EngineConfig {
  provider: CryptoProvider;
  /** Milliseconds since the epoch; injectable for tests. */
  now(): number;
  /** TLS 1.3 cipher suites. */
  cipherSuites: number[];
  /**
   * TLS 1.2 cipher suites (ECDHE + AEAD only), in preference order. Default: every TLS 1.2 suite
   * typessl implements (`TLS12_SUITES`).
   */
  tls12CipherSuites?: number[];
  /** Lowest protocol version to negotiate (default TLSv1.2). */
  minVersion?: ProtocolVersionName;
  /** Highest protocol version to negotiate (default TLSv1.3). */
  maxVersion?: ProtocolVersionName;
  /**
   * TLS 1.2: insist on the extended master secret (RFC 7627) and abort with handshake_failure
   * when the peer does not do it (default true). False allows legacy peers.
   */
  requireExtendedMasterSecret?: boolean;
  /** Named groups for key exchange. */
  groups: number[];
  /** Groups the client sends key shares for in its first ClientHello (default: the first group). */
  keyShareGroups?: number[];
  /** Signature schemes we accept from the peer and may use ourselves. */
  signatureSchemes: number[];
  /** ALPN protocols (client: offered; server: accepted, in server preference order). */
  alpnProtocols: string[];
  /** Client: the server name to send (SNI) and to check the certificate against. */
  serverName?: string;
  /** Our certificate and key (required on the server). */
  certifiedKey?: CertifiedKey;
  /**
   * Checks the peer's certificate chain; throws a TlsFailure (with the alert to send) to reject it.
   * Required on the client: the SslContext provides one from its trust settings. On a server it
   * is called for the client's chain when `clientCertificates` is set (with an empty chain too,
   * so the result can be recorded).
   */
  verifyPeer?(info: PeerCertificateInfo): void;
  /**
   * Server: ask the client for a certificate (a CertificateRequest with our signature schemes and
   * these certificate_authorities names, DER; in TLS 1.2 also the rsa_sign and ecdsa_sign
   * certificate types). `required`: a client that sends none gets certificate_required in TLS 1.3,
   * handshake_failure in TLS 1.2 (SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
   */
  clientCertificates?: { required: boolean; certificateAuthorities: Uint8Array[] };
  /**
   * Once the handshake is over: the peer's chain to keep, owning its bytes (the chain given may be
   * views of handshake records). The SslContext returns an equal chain an earlier connection kept
   * when there is one, so connections to one server share its certificates (PeerChainCache).
   * Without it each connection keeps its own copy.
   */
  keepPeerCertificates?(chain: readonly Uint8Array[]): Uint8Array[];
  /**
   * The settings the connection keeps in place of these once its handshake is complete: one
   * object its context shares between connections, without the callbacks and offers only a
   * handshake uses. After the handshake the engine reads only `provider` and `now` (the server
   * name a client sent stays in `Connection.requestedServerName`). Without it the connection keeps
   * these, with those callbacks cleared.
   */
  afterHandshake?: EngineConfig;
  /** Client: send a legacy session ID and change_cipher_spec for middlebox compatibility (RFC 8446 D.4). */
  middleboxCompat: boolean;
  /** record_size_limit to advertise (RFC 8449), or undefined to not send the extension as a client. */
  recordSizeLimit?: number;
  /** Largest plaintext fragment we send (default 16384). */
  maxFragmentLength: number;
  /** Server: always ask for a cookie in HelloRetryRequest (and check it is echoed). */
  hrrCookie?: boolean;
  /** Server: tickets to send after the handshake (the sessions layer provides these). */
  issueTickets?(resumptionMasterSecret: Uint8Array): TicketToSend[];
  /** Client: a TLS 1.3 session to offer (pre_shared_key, psk_dhe_ke). Never sends early data. */
  resumption?: ResumptionOffer;
  /**
   * Server: looks up an offered PSK identity (a ticket); null means "unknown, ignore it" and the
   * handshake goes on in full. The binder is checked by the engine afterwards.
   */
  lookupPsk?(query: PskQuery): ResumablePsk | null;
  /** Client: a TLS 1.2 session to offer (session ID and/or RFC 5077 ticket). */
  resumption12?: Resumption12Offer;
  /**
   * Client: send the session_ticket extension (RFC 5077), empty when there is no ticket to offer,
   * so the server may issue one. Default false.
   */
  sessionTickets12?: boolean;
  /**
   * Server: finds the TLS 1.2 session a ClientHello asks for (ticket first, then session ID); null
   * means a full handshake. Must not throw for bad input.
   */
  lookupSession12?(query: Session12Query): Resumable12 | null;
  /**
   * Server: RFC 5077 tickets are issued (to clients that send session_ticket); called once the
   * session is known (after the client's Finished in a full handshake, or when renewing), null
   * means an empty ticket.
   */
  issueTicket12?(): Ticket12ToSend | null;
  /** Server: give full TLS 1.2 handshakes an empty session ID (no session cache to resume from). Default false. */
  omitSessionId12?: boolean;
  /** Server: accept psk_ke, resumption without (EC)DHE (no forward secrecy). Default false. */
  allowPskKe?: boolean;
  /** Server: cookie bytes for a HelloRetryRequest (default: a random 32-byte value). */
  makeCookie?(): Uint8Array;
  hooks?: HandshakeHooks;
}

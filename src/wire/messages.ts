/**
 * Plain data shapes of TLS handshake messages. Codecs live in `handshake.ts` (messages) and
 * `extensions.ts` (extension bodies). Messages keep their extensions as an ordered list of raw
 * `Extension`s, so unknown extensions round-trip untouched and the order the peer used is kept
 * (the transcript is always computed over the exact bytes on the wire anyway).
 */

/** One extension: its type and its still-encoded body. */
export interface Extension {
  type: number;
  data: Uint8Array;
}

/** ClientHello (RFC 8446 4.1.2; same layout in RFC 5246 7.4.1.2). */
export interface ClientHello {
  legacyVersion: number;
  /** 32 bytes. */
  random: Uint8Array;
  /** 0..32 bytes. */
  legacySessionId: Uint8Array;
  cipherSuites: number[];
  /** TLS 1.3 requires exactly [0]. */
  legacyCompressionMethods: Uint8Array;
  extensions: Extension[];
}

/** ServerHello, and HelloRetryRequest which shares its layout (RFC 8446 4.1.3, 4.1.4). */
export interface ServerHello {
  legacyVersion: number;
  /** 32 bytes; equal to HELLO_RETRY_REQUEST_RANDOM for a HelloRetryRequest. */
  random: Uint8Array;
  legacySessionIdEcho: Uint8Array;
  cipherSuite: number;
  legacyCompressionMethod: number;
  extensions: Extension[];
}

/** EncryptedExtensions (RFC 8446 4.3.1). */
export interface EncryptedExtensions {
  extensions: Extension[];
}

/** TLS 1.3 CertificateRequest (RFC 8446 4.3.2). */
export interface CertificateRequest {
  context: Uint8Array;
  extensions: Extension[];
}

/** One certificate in a TLS 1.3 Certificate message. */
export interface CertificateEntry {
  /** DER of the X.509 certificate. */
  data: Uint8Array;
  extensions: Extension[];
}

/** TLS 1.3 Certificate (RFC 8446 4.4.2). */
export interface Certificate {
  context: Uint8Array;
  entries: CertificateEntry[];
}

/** CertificateVerify (RFC 8446 4.4.3). */
export interface CertificateVerify {
  scheme: number;
  signature: Uint8Array;
}

/** Finished (RFC 8446 4.4.4). */
export interface Finished {
  verifyData: Uint8Array;
}

/** RFC 8446 4.6.1: nobody keeps a TLS 1.3 ticket longer than seven days, whatever it says (seconds). */
export const MAX_TICKET_LIFETIME = 604800;

/** TLS 1.3 NewSessionTicket (RFC 8446 4.6.1). */
export interface NewSessionTicket {
  /** Seconds, at most MAX_TICKET_LIFETIME. */
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Extension[];
}

/** KeyUpdate (RFC 8446 4.6.3). */
export interface KeyUpdate {
  requestUpdate: number;
}

/** One entry of a key_share extension. */
export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

/** One PSK identity of a pre_shared_key extension. */
export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

/** The ClientHello form of pre_shared_key (RFC 8446 4.2.11). */
export interface OfferedPsks {
  identities: PskIdentity[];
  binders: Uint8Array[];
}

/** A handshake message as framed on the wire: type, body, and the full encoding (header + body). */
export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
  /** Header and body as received or sent: what goes into the transcript. */
  raw: Uint8Array;
}

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Last 8 bytes of ServerHello.random from a TLS 1.3 server negotiating TLS 1.2 (RFC 8446 4.1.3). */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
/** Last 8 bytes of ServerHello.random from a TLS 1.3 server negotiating TLS 1.1 or below. */
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);

// TLS 1.2 messages (RFC 5246 7.4, RFC 8422 5, RFC 5077 3.3). Finished, ServerHello, ClientHello
// and CertificateVerify share the shapes above.

/** TLS 1.2 Certificate: DER certificates, leaf first, with no per-entry extensions. */
export interface CertificateTls12 {
  chain: Uint8Array[];
}

/** TLS 1.2 ECDHE ServerKeyExchange with a named curve (RFC 8422 5.4) and its signature. */
export interface ServerKeyExchangeEcdhe {
  group: number;
  /** The server's ephemeral public point (ECPoint, 1..255 bytes). */
  publicKey: Uint8Array;
  /** SignatureScheme of the signature (the TLS 1.2 SignatureAndHashAlgorithm pair as one u16). */
  scheme: number;
  signature: Uint8Array;
  /** Exact bytes of ServerECDHParams, which the signature covers after client and server random. */
  params: Uint8Array;
}

/** TLS 1.2 ECDHE ClientKeyExchange (RFC 8422 5.7). */
export interface ClientKeyExchangeEcdhe {
  /** The client's ephemeral public point (1..255 bytes). */
  publicKey: Uint8Array;
}

/** TLS 1.2 CertificateRequest (RFC 5246 7.4.4). */
export interface CertificateRequestTls12 {
  /** ClientCertificateType values, 1..255 of them. */
  certificateTypes: Uint8Array;
  signatureAlgorithms: number[];
  /** DER DistinguishedNames of acceptable CAs, possibly none. */
  certificateAuthorities: Uint8Array[];
}

/** TLS 1.2 NewSessionTicket (RFC 5077 3.3). */
export interface NewSessionTicketTls12 {
  lifetimeHint: number;
  /** Opaque ticket; empty means the server decided not to issue one. */
  ticket: Uint8Array;
}

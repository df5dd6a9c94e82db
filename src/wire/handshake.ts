/**
 * Codecs for TLS handshake messages (RFC 8446 4, and the TLS 1.2 messages of RFC 5246 / RFC 8422
 * this library speaks), plus `HandshakeJoiner`, which cuts a stream of handshake-record payloads
 * into whole messages.
 *
 * Conventions:
 * - `encode*` functions take a message shape and return the **full** handshake message (4-byte
 *   header + body), ready for the record layer and the transcript.
 * - `decode*` functions take the **body only** (the joiner has already stripped the header), consume
 *   it exactly and enforce the length bounds of the RFC grammar. Malformed input throws a
 *   `decode_error` TlsFailure; a well-formed value the RFC forbids throws `illegal_parameter`.
 * - Decoded byte fields are views into the input, not copies: zero-copy, and safe because the
 *   joiner hands out messages whose bytes it never writes again.
 * - Encoders validate what a local caller could get wrong (a 31-byte random, an oversized
 *   vector) with `RangeError`: that is a programming error, not a peer's fault.
 */
import { AlertDescription, HandshakeType } from './enums.js';
import { Reason, TlsFailure, decodeError } from './errors.js';
import type {
  Certificate,
  CertificateEntry,
  CertificateRequest,
  CertificateRequestTls12,
  CertificateTls12,
  CertificateVerify,
  ClientHello,
  ClientKeyExchangeEcdhe,
  EncryptedExtensions,
  Extension,
  Finished,
  HandshakeMessage,
  KeyUpdate,
  NewSessionTicket,
  NewSessionTicketTls12,
  ServerHello,
  ServerKeyExchangeEcdhe,
} from './messages.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Largest body a 24-bit handshake length can announce. */
const MAX_U24 = 0xffffff;
/** pre_shared_key (RFC 8446 4.2.11): must be the last ClientHello extension. */
const EXT_PRE_SHARED_KEY = 41;
/** ECCurveType.named_curve (RFC 8422 5.4): the only curve type TLS 1.2 ECDHE may use. */
const EC_CURVE_TYPE_NAMED = 3;

// ---------------------------------------------------------------------------------------------
// Framing and extension blocks

/**
 * Frames a handshake message: type (u8), body length (u24), body.
 * @throws RangeError if the body does not fit a 24-bit length.
 */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  if (body.length > MAX_U24) throw new RangeError(`handshake body of ${body.length} bytes exceeds 2^24-1`);
  const out = new Uint8Array(4 + body.length);
  out[0] = type & 0xff;
  out[1] = (body.length >>> 16) & 0xff;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/**
 * Writes the header then lets `body` write the rest in place, so the body is not built twice.
 * `sizeHint`: the expected message size when it is known to exceed the default, so the writer does
 * not grow (a reallocation and copy each time) through messages that carry a ticket.
 */
function framed(type: number, body: (w: Writer) => void, sizeHint = 256): Uint8Array {
  const w = new Writer(sizeHint);
  w.u8(type);
  w.vec24(body);
  return w.finish();
}

/**
 * Reads a vec16 extension block and returns its extensions in wire order.
 * `min` is the block's minimum length in bytes (2 for a TLS 1.3 CertificateRequest, which must
 * carry signature_algorithms). The same type twice in one block is `illegal_parameter`
 * (RFC 8446 4.2: "There MUST NOT be more than one extension of the same type in a given
 * extension block").
 */
export function decodeExtensions(r: Reader, what: string, min = 0): Extension[] {
  const block = r.sub16(`${what} extensions`, min);
  const exts: Extension[] = [];
  // A Set keeps the check linear: a 64 KiB block can hold ~16k empty extensions.
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16(`${what} extension type`);
    const data = block.vec16(`${what} extension ${type}`);
    if (seen.has(type)) {
      throw new TlsFailure(
        AlertDescription.illegal_parameter,
        Reason.SSL_R_DUPLICATE_EXTENSION,
        `extension ${type} appears twice in ${what}`,
      );
    }
    seen.add(type);
    exts.push({ type, data });
  }
  return exts;
}

/** Writes `exts` as a vec16 extension block, in the given order and byte for byte. */
export function encodeExtensions(w: Writer, exts: Extension[]): void {
  w.vec16((b) => {
    for (const e of exts) {
      b.u16(e.type);
      b.bytes16(e.data);
    }
  });
}

/** The first extension of the given type, or undefined. */
export function findExtension(exts: Extension[], type: number): Extension | undefined {
  for (const e of exts) if (e.type === type) return e;
  return undefined;
}

/**
 * Hello messages: the extension block may be absent altogether in the TLS 1.2 grammar
 * (RFC 5246 7.4.1.2), which reads as an empty list.
 */
function decodeHelloExtensions(r: Reader, what: string): Extension[] {
  if (r.remaining === 0) return [];
  return decodeExtensions(r, what);
}

/**
 * Hello messages: an empty extension list is written as no block at all, as OpenSSL does, because
 * some old TLS 1.2 peers reject a zero-length block. Decoding then re-encoding an absent block is
 * byte-exact; an explicit empty block (`00 00`) re-encodes as absent.
 */
function encodeHelloExtensions(w: Writer, exts: Extension[]): void {
  if (exts.length > 0) encodeExtensions(w, exts);
}

function checkLength(v: Uint8Array, min: number, max: number, what: string): void {
  if (v.length < min || v.length > max) throw new RangeError(`${what} is ${v.length} bytes, must be ${min}..${max}`);
}

/** An empty-bodied message (EndOfEarlyData, ServerHelloDone, HelloRequest). */
function decodeEmpty(body: Uint8Array, what: string): void {
  if (body.length !== 0) throw decodeError(`${what} must be empty, got ${body.length} bytes`);
}

// ---------------------------------------------------------------------------------------------
// Hellos

/** Encodes a ClientHello (RFC 8446 4.1.2) as a full handshake message. */
export function encodeClientHello(m: ClientHello): Uint8Array {
  checkLength(m.random, 32, 32, 'ClientHello.random');
  checkLength(m.legacySessionId, 0, 32, 'ClientHello.legacy_session_id');
  if (m.cipherSuites.length === 0) throw new RangeError('ClientHello needs at least one cipher suite');
  checkLength(m.legacyCompressionMethods, 1, 0xff, 'ClientHello.legacy_compression_methods');
  return framed(HandshakeType.client_hello, (w) => {
    w.u16(m.legacyVersion);
    w.bytes(m.random);
    w.bytes8(m.legacySessionId);
    w.vec16((b) => {
      for (const s of m.cipherSuites) b.u16(s);
    });
    w.bytes8(m.legacyCompressionMethods);
    encodeHelloExtensions(w, m.extensions);
  });
}

/**
 * Decodes a ClientHello body. Besides the grammar it enforces RFC 8446 4.2.11: pre_shared_key,
 * when present, must be the last extension (else `illegal_parameter`), because the binders are
 * computed over the message truncated right before them.
 */
export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('ClientHello.legacy_version');
  const random = r.bytes(32, 'ClientHello.random');
  const legacySessionId = r.vec8('ClientHello.legacy_session_id', 0, 32);
  const suites = r.sub16('ClientHello.cipher_suites', 2, 0xfffe);
  if (suites.remaining % 2 !== 0) throw decodeError('ClientHello.cipher_suites has an odd length');
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16());
  const legacyCompressionMethods = r.vec8('ClientHello.legacy_compression_methods', 1);
  const extensions = decodeHelloExtensions(r, 'ClientHello');
  r.expectEnd('ClientHello');
  const psk = extensions.findIndex((e) => e.type === EXT_PRE_SHARED_KEY);
  if (psk !== -1 && psk !== extensions.length - 1) {
    throw new TlsFailure(
      AlertDescription.illegal_parameter,
      Reason.SSL_R_BAD_EXTENSION,
      'pre_shared_key is not the last ClientHello extension',
    );
  }
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

/** Encodes a ServerHello or HelloRetryRequest (same layout, RFC 8446 4.1.3-4.1.4). */
export function encodeServerHello(m: ServerHello): Uint8Array {
  checkLength(m.random, 32, 32, 'ServerHello.random');
  checkLength(m.legacySessionIdEcho, 0, 32, 'ServerHello.legacy_session_id_echo');
  return framed(HandshakeType.server_hello, (w) => {
    w.u16(m.legacyVersion);
    w.bytes(m.random);
    w.bytes8(m.legacySessionIdEcho);
    w.u16(m.cipherSuite);
    w.u8(m.legacyCompressionMethod);
    encodeHelloExtensions(w, m.extensions);
  });
}

/**
 * Decodes a ServerHello or HelloRetryRequest body (tell them apart by comparing `random` with
 * `HELLO_RETRY_REQUEST_RANDOM`). Values such as the compression method are checked by the engine,
 * which knows the negotiated version.
 */
export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16('ServerHello.legacy_version');
  const random = r.bytes(32, 'ServerHello.random');
  const legacySessionIdEcho = r.vec8('ServerHello.legacy_session_id_echo', 0, 32);
  const cipherSuite = r.u16('ServerHello.cipher_suite');
  const legacyCompressionMethod = r.u8('ServerHello.legacy_compression_method');
  const extensions = decodeHelloExtensions(r, 'ServerHello');
  r.expectEnd('ServerHello');
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
}

// ---------------------------------------------------------------------------------------------
// TLS 1.3 server flight and client authentication

/** Encodes EncryptedExtensions (RFC 8446 4.3.1). */
export function encodeEncryptedExtensions(m: EncryptedExtensions): Uint8Array {
  return framed(HandshakeType.encrypted_extensions, (w) => encodeExtensions(w, m.extensions));
}

/** Decodes an EncryptedExtensions body. */
export function decodeEncryptedExtensions(body: Uint8Array): EncryptedExtensions {
  const r = new Reader(body);
  const extensions = decodeExtensions(r, 'EncryptedExtensions');
  r.expectEnd('EncryptedExtensions');
  return { extensions };
}

/** Encodes a TLS 1.3 CertificateRequest (RFC 8446 4.3.2). */
export function encodeCertificateRequest(m: CertificateRequest): Uint8Array {
  checkLength(m.context, 0, 0xff, 'CertificateRequest.certificate_request_context');
  return framed(HandshakeType.certificate_request, (w) => {
    w.bytes8(m.context);
    encodeExtensions(w, m.extensions);
  });
}

/** Decodes a TLS 1.3 CertificateRequest body (extensions vec16 of at least 2 bytes). */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const context = r.vec8('CertificateRequest.certificate_request_context');
  const extensions = decodeExtensions(r, 'CertificateRequest', 2);
  r.expectEnd('CertificateRequest');
  return { context, extensions };
}

/** Encodes a TLS 1.3 Certificate (RFC 8446 4.4.2). */
export function encodeCertificate(m: Certificate): Uint8Array {
  checkLength(m.context, 0, 0xff, 'Certificate.certificate_request_context');
  return framed(HandshakeType.certificate, (w) => {
    w.bytes8(m.context);
    w.vec24((list) => {
      for (const e of m.entries) {
        checkLength(e.data, 1, MAX_U24, 'CertificateEntry.cert_data');
        list.bytes24(e.data);
        encodeExtensions(list, e.extensions);
      }
    });
  });
}

/**
 * Decodes a TLS 1.3 Certificate body. An empty certificate_list is legal on the wire (a client
 * declining to authenticate); whether it is acceptable is the engine's decision.
 */
export function decodeCertificate(body: Uint8Array): Certificate {
  const r = new Reader(body);
  const context = r.vec8('Certificate.certificate_request_context');
  const list = r.sub24('Certificate.certificate_list');
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const data = list.vec24('CertificateEntry.cert_data', 1);
    const extensions = decodeExtensions(list, 'CertificateEntry');
    entries.push({ data, extensions });
  }
  r.expectEnd('Certificate');
  return { context, entries };
}

/** Encodes CertificateVerify (RFC 8446 4.4.3; the same layout is TLS 1.2's DigitallySigned). */
export function encodeCertificateVerify(m: CertificateVerify): Uint8Array {
  return framed(HandshakeType.certificate_verify, (w) => {
    w.u16(m.scheme);
    w.bytes16(m.signature);
  });
}

/** Decodes a CertificateVerify body. */
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const scheme = r.u16('CertificateVerify.algorithm');
  const signature = r.vec16('CertificateVerify.signature');
  r.expectEnd('CertificateVerify');
  return { scheme, signature };
}

/** Encodes Finished (RFC 8446 4.4.4, RFC 5246 7.4.9). */
export function encodeFinished(m: Finished): Uint8Array {
  return encodeHandshake(HandshakeType.finished, m.verifyData);
}

/**
 * Decodes a Finished body. The body is all verify_data, whose length depends on the negotiated
 * hash (TLS 1.3) or is 12 (TLS 1.2); pass `expectedLength` to have a wrong length rejected as
 * `decode_error` here (OpenSSL: SSL_R_BAD_DIGEST_LENGTH) before any MAC comparison.
 */
export function decodeFinished(body: Uint8Array, expectedLength?: number): Finished {
  if (expectedLength !== undefined && body.length !== expectedLength) {
    throw decodeError(`Finished is ${body.length} bytes, expected ${expectedLength}`, 'SSL_R_BAD_DIGEST_LENGTH');
  }
  return { verifyData: body };
}

/** Encodes EndOfEarlyData (RFC 8446 4.5): an empty body. */
export function encodeEndOfEarlyData(): Uint8Array {
  return encodeHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
}

/** Checks an EndOfEarlyData body, which must be empty. */
export function decodeEndOfEarlyData(body: Uint8Array): void {
  decodeEmpty(body, 'EndOfEarlyData');
}

// ---------------------------------------------------------------------------------------------
// TLS 1.3 post-handshake messages

/** Encodes a TLS 1.3 NewSessionTicket (RFC 8446 4.6.1). */
export function encodeNewSessionTicket(m: NewSessionTicket): Uint8Array {
  checkLength(m.nonce, 0, 0xff, 'NewSessionTicket.ticket_nonce');
  checkLength(m.ticket, 1, 0xffff, 'NewSessionTicket.ticket');
  return framed(
    HandshakeType.new_session_ticket,
    (w) => {
      w.u32(m.lifetime);
      w.u32(m.ageAdd);
      w.bytes8(m.nonce);
      w.bytes16(m.ticket);
      encodeExtensions(w, m.extensions);
    },
    // header, lifetime, age_add, nonce, ticket, an extension block of a few bytes
    4 + 4 + 4 + 1 + m.nonce.length + 2 + m.ticket.length + 16,
  );
}

/**
 * Decodes a TLS 1.3 NewSessionTicket body. The 7-day lifetime cap is the engine's to apply: it is
 * a rule for servers and says nothing about the wire format.
 */
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const lifetime = r.u32('NewSessionTicket.ticket_lifetime');
  const ageAdd = r.u32('NewSessionTicket.ticket_age_add');
  const nonce = r.vec8('NewSessionTicket.ticket_nonce');
  const ticket = r.vec16('NewSessionTicket.ticket', 1);
  const extensions = decodeExtensions(r, 'NewSessionTicket');
  r.expectEnd('NewSessionTicket');
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

/** Encodes KeyUpdate (RFC 8446 4.6.3). */
export function encodeKeyUpdate(m: KeyUpdate): Uint8Array {
  return encodeHandshake(HandshakeType.key_update, new Uint8Array([m.requestUpdate & 0xff]));
}

/**
 * Decodes a KeyUpdate body. A request_update other than 0 or 1 is `illegal_parameter`
 * (RFC 8446 4.6.3), reason SSL_R_BAD_KEY_UPDATE as in OpenSSL.
 */
export function decodeKeyUpdate(body: Uint8Array): KeyUpdate {
  const r = new Reader(body);
  const requestUpdate = r.u8('KeyUpdate.request_update');
  r.expectEnd('KeyUpdate');
  if (requestUpdate !== 0 && requestUpdate !== 1) {
    throw new TlsFailure(AlertDescription.illegal_parameter, 'SSL_R_BAD_KEY_UPDATE', `KeyUpdate value ${requestUpdate}`);
  }
  return { requestUpdate };
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2 messages (RFC 5246 7.4, RFC 8422 5, RFC 5077 3.3)

/** Encodes a TLS 1.2 Certificate: a vec24 of vec24 DER certificates, leaf first. */
export function encodeCertificateTls12(m: CertificateTls12): Uint8Array {
  return framed(HandshakeType.certificate, (w) => {
    w.vec24((list) => {
      for (const c of m.chain) {
        checkLength(c, 1, MAX_U24, 'ASN.1Cert');
        list.bytes24(c);
      }
    });
  });
}

/** Decodes a TLS 1.2 Certificate body. An empty list is legal (a client without a certificate). */
export function decodeCertificateTls12(body: Uint8Array): CertificateTls12 {
  const r = new Reader(body);
  const list = r.sub24('Certificate.certificate_list');
  const chain: Uint8Array[] = [];
  while (list.remaining > 0) chain.push(list.vec24('ASN.1Cert', 1));
  r.expectEnd('Certificate');
  return { chain };
}

/** Encodes an ECDHE ServerKeyExchange (RFC 8422 5.4) with a TLS 1.2 signature. */
export function encodeServerKeyExchangeEcdhe(m: Omit<ServerKeyExchangeEcdhe, 'params'>): Uint8Array {
  checkLength(m.publicKey, 1, 0xff, 'ServerECDHParams.point');
  return framed(HandshakeType.server_key_exchange, (w) => {
    w.u8(EC_CURVE_TYPE_NAMED);
    w.u16(m.group);
    w.bytes8(m.publicKey);
    w.u16(m.scheme);
    w.bytes16(m.signature);
  });
}

/** The bytes of ServerECDHParams, which the ServerKeyExchange signature covers (after both randoms). */
export function encodeEcdheParams(group: number, publicKey: Uint8Array): Uint8Array {
  checkLength(publicKey, 1, 0xff, 'ServerECDHParams.point');
  const w = new Writer(4 + publicKey.length);
  w.u8(EC_CURVE_TYPE_NAMED).u16(group).bytes8(publicKey);
  return w.finish();
}

/**
 * Decodes an ECDHE ServerKeyExchange body. Only named curves exist for us; any other curve type
 * is `illegal_parameter` with OpenSSL's SSL_R_WRONG_CURVE. `params` is the exact signed span.
 */
export function decodeServerKeyExchangeEcdhe(body: Uint8Array): ServerKeyExchangeEcdhe {
  const r = new Reader(body);
  const curveType = r.u8('ServerECDHParams.curve_type');
  const group = r.u16('ServerECDHParams.namedcurve');
  if (curveType !== EC_CURVE_TYPE_NAMED) {
    throw new TlsFailure(AlertDescription.illegal_parameter, 'SSL_R_WRONG_CURVE', `EC curve type ${curveType}`);
  }
  const publicKey = r.vec8('ServerECDHParams.point', 1);
  const params = body.subarray(0, r.offset);
  const scheme = r.u16('ServerKeyExchange.algorithm');
  const signature = r.vec16('ServerKeyExchange.signature');
  r.expectEnd('ServerKeyExchange');
  return { group, publicKey, scheme, signature, params };
}

/** Encodes an ECDHE ClientKeyExchange (RFC 8422 5.7). */
export function encodeClientKeyExchangeEcdhe(m: ClientKeyExchangeEcdhe): Uint8Array {
  checkLength(m.publicKey, 1, 0xff, 'ClientECDiffieHellmanPublic.point');
  return framed(HandshakeType.client_key_exchange, (w) => w.bytes8(m.publicKey));
}

/** Decodes an ECDHE ClientKeyExchange body. */
export function decodeClientKeyExchangeEcdhe(body: Uint8Array): ClientKeyExchangeEcdhe {
  const r = new Reader(body);
  const publicKey = r.vec8('ClientECDiffieHellmanPublic.point', 1);
  r.expectEnd('ClientKeyExchange');
  return { publicKey };
}

/** Encodes a TLS 1.2 CertificateRequest (RFC 5246 7.4.4). */
export function encodeCertificateRequestTls12(m: CertificateRequestTls12): Uint8Array {
  checkLength(m.certificateTypes, 1, 0xff, 'CertificateRequest.certificate_types');
  if (m.signatureAlgorithms.length === 0) throw new RangeError('CertificateRequest needs a signature algorithm');
  return framed(HandshakeType.certificate_request, (w) => {
    w.bytes8(m.certificateTypes);
    w.vec16((b) => {
      for (const s of m.signatureAlgorithms) b.u16(s);
    });
    w.vec16((b) => {
      for (const dn of m.certificateAuthorities) {
        checkLength(dn, 1, 0xffff, 'DistinguishedName');
        b.bytes16(dn);
      }
    });
  });
}

/** Decodes a TLS 1.2 CertificateRequest body. */
export function decodeCertificateRequestTls12(body: Uint8Array): CertificateRequestTls12 {
  const r = new Reader(body);
  const certificateTypes = r.vec8('CertificateRequest.certificate_types', 1);
  const algs = r.sub16('CertificateRequest.supported_signature_algorithms', 2, 0xfffe);
  if (algs.remaining % 2 !== 0) throw decodeError('CertificateRequest.supported_signature_algorithms has an odd length');
  const signatureAlgorithms: number[] = [];
  while (algs.remaining > 0) signatureAlgorithms.push(algs.u16());
  const cas = r.sub16('CertificateRequest.certificate_authorities');
  const certificateAuthorities: Uint8Array[] = [];
  while (cas.remaining > 0) certificateAuthorities.push(cas.vec16('DistinguishedName', 1));
  r.expectEnd('CertificateRequest');
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}

/** Encodes ServerHelloDone (RFC 5246 7.4.5): an empty body. */
export function encodeServerHelloDone(): Uint8Array {
  return encodeHandshake(HandshakeType.server_hello_done, new Uint8Array(0));
}

/** Checks a ServerHelloDone body, which must be empty. */
export function decodeServerHelloDone(body: Uint8Array): void {
  decodeEmpty(body, 'ServerHelloDone');
}

/** Checks a HelloRequest body (RFC 5246 7.4.1.1), which must be empty. */
export function decodeHelloRequest(body: Uint8Array): void {
  decodeEmpty(body, 'HelloRequest');
}

/** Encodes a TLS 1.2 NewSessionTicket (RFC 5077 3.3). */
export function encodeNewSessionTicketTls12(m: NewSessionTicketTls12): Uint8Array {
  return framed(
    HandshakeType.new_session_ticket,
    (w) => {
      w.u32(m.lifetimeHint);
      w.bytes16(m.ticket);
    },
    4 + 4 + 2 + m.ticket.length,
  );
}

/**
 * Decodes a TLS 1.2 NewSessionTicket body. An empty ticket is legal: the server's way to say it
 * will not issue one after all (RFC 5077 3.3).
 */
export function decodeNewSessionTicketTls12(body: Uint8Array): NewSessionTicketTls12 {
  const r = new Reader(body);
  const lifetimeHint = r.u32('NewSessionTicket.ticket_lifetime_hint');
  const ticket = r.vec16('NewSessionTicket.ticket');
  r.expectEnd('NewSessionTicket');
  return { lifetimeHint, ticket };
}

// ---------------------------------------------------------------------------------------------
// Reassembly

/** Options for `HandshakeJoiner`. */
export interface HandshakeJoinerOptions {
  /**
   * Largest accepted message, header included. Default 65536 + 4. The engine may raise it while a
   * Certificate is expected (OpenSSL's max_cert_list plays that role).
   */
  maxMessageSize?: number;
}

/**
 * Cuts handshake-record payloads into whole handshake messages (RFC 8446 5.1: a message may span
 * records and a record may hold several messages).
 *
 * Memory is bounded: every announced length is checked against `maxMessageSize` as soon as its
 * header is buffered, and `push` copies each fragment once into a chunk list, never re-concatenating
 * the whole buffer. As long as the caller drains `next()` after each `push`, at most one partial
 * message (< maxMessageSize) plus one record is held.
 *
 * `push` copies its argument, so the record layer may reuse its buffer afterwards. A message that
 * lies inside one pushed fragment is returned as a view into that private copy; a message that
 * spans fragments is assembled into a fresh array. Either way its bytes are never written again.
 */
export class HandshakeJoiner {
  /** Largest accepted message, header included; may be changed between messages. */
  maxMessageSize: number;
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk; chunks before it are consumed (compacted lazily). */
  private first = 0;
  /** Bytes already consumed from chunks[first]. */
  private skip = 0;
  private buffered = 0;

  constructor(options: HandshakeJoinerOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? 65536 + 4;
  }

  /** Appends one handshake-record payload. Throws if a buffered header announces too much. */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) return;
    this.chunks.push(fragment.slice());
    this.buffered += fragment.length;
    // Reject an oversized message as soon as its header arrives rather than buffering its body.
    if (this.buffered >= 4) this.checkedLength();
  }

  /**
   * True while any received handshake bytes have not been returned by `next()`: a partial
   * message or a whole one not yet taken. The engine refuses a key change in that state
   * (RFC 8446 5.1: handshake messages must not span a key change), since those bytes were
   * protected under the old keys.
   */
  get pending(): boolean {
    return this.buffered > 0;
  }

  /** Number of buffered bytes (for diagnostics and tests). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The next complete message, or null if more bytes are needed. */
  next(): HandshakeMessage | null {
    if (this.buffered < 4) return null;
    const total = 4 + this.checkedLength();
    if (this.buffered < total) return null;
    const head = this.chunks[this.first]!;
    let raw: Uint8Array;
    if (head.length - this.skip >= total) {
      raw = head.subarray(this.skip, this.skip + total);
      this.consume(total);
    } else {
      raw = new Uint8Array(total);
      let filled = 0;
      while (filled < total) {
        const c = this.chunks[this.first]!;
        const n = Math.min(c.length - this.skip, total - filled);
        raw.set(c.subarray(this.skip, this.skip + n), filled);
        filled += n;
        this.consume(n);
      }
    }
    return { type: raw[0]!, body: raw.subarray(4), raw };
  }

  /** Body length announced by the buffered header (>= 4 bytes buffered), checked against the cap. */
  private checkedLength(): number {
    let len = 0;
    let chunk = this.first;
    let at = this.skip;
    for (let i = 0; i < 4; i++) {
      while (at >= this.chunks[chunk]!.length) {
        chunk++;
        at = 0;
      }
      if (i > 0) len = (len << 8) | this.chunks[chunk]![at]!;
      at++;
    }
    if (4 + len > this.maxMessageSize) {
      throw new TlsFailure(
        AlertDescription.illegal_parameter,
        Reason.SSL_R_EXCESSIVE_MESSAGE_SIZE,
        `handshake message of ${len} bytes exceeds the limit of ${this.maxMessageSize - 4}`,
      );
    }
    return len;
  }

  /** Drops `n` bytes from the front, releasing consumed chunks. */
  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const c = this.chunks[this.first]!;
      const avail = c.length - this.skip;
      if (n < avail) {
        this.skip += n;
        return;
      }
      n -= avail;
      this.chunks[this.first] = EMPTY; // let the chunk be collected now
      this.first++;
      this.skip = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 32) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Codecs for extension bodies (`Extension.data`). The extension block itself (type + vec16 data,
 * duplicate detection) is handled by `decodeExtensions` in `handshake.ts`; the functions here
 * read and write what is inside one extension.
 *
 * Every `decode*` consumes the body exactly and throws a `decode_error` TlsFailure on malformed
 * bytes; a well-formed value that RFC 8446 (or the extension's RFC) forbids throws the alert that
 * RFC names. Returned byte arrays are views into `data`. Encoders throw `RangeError` on values a
 * local caller should never pass.
 */
import { AlertDescription } from './enums.js';
import { Reason, TlsFailure, decodeError } from './errors.js';
import type { KeyShareEntry, OfferedPsks, PskIdentity } from './messages.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Largest host name accepted in server_name, as in OpenSSL (TLSEXT_MAXLEN_host_name). */
const MAX_HOST_NAME = 255;

function check(cond: boolean, what: string): void {
  if (!cond) throw new RangeError(what);
}

/** Bytes <-> 'latin1' string, so any byte string round-trips through a JS string unchanged. */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function fromLatin1(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    check(c <= 0xff, `${what} has a character outside latin1`);
    out[i] = c;
  }
  return out;
}

/** Characters we accept in an SNI host name: letters, digits, '-', '.', and '_' (seen in the wild). */
function isHostNameByte(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || // -
    b === 0x2e || // .
    b === 0x5f // _
  );
}

/** Decode_error unless `data` is empty: for extensions whose body must be empty. */
export function expectEmpty(data: Uint8Array, what: string): void {
  if (data.length !== 0) throw decodeError(`${what} extension must be empty, got ${data.length} bytes`, Reason.SSL_R_BAD_EXTENSION);
}

// ---------------------------------------------------------------------------------------------
// server_name (RFC 6066 3)

/**
 * The ClientHello server_name body for one host name. The server's acknowledgement is an empty
 * body (use an empty `Uint8Array`).
 * @throws RangeError if `host` is empty, longer than 255 bytes or not an LDH-style name.
 */
export function encodeServerNameList(host: string): Uint8Array {
  const bytes = fromLatin1(host, 'server name');
  check(bytes.length >= 1 && bytes.length <= MAX_HOST_NAME, `server name must be 1..${MAX_HOST_NAME} bytes`);
  check(bytes.every(isHostNameByte), `server name ${JSON.stringify(host)} is not a DNS host name`);
  const w = new Writer(bytes.length + 5);
  w.vec16((list) => {
    list.u8(0);
    list.bytes16(bytes);
  });
  return w.finish();
}

/**
 * Decodes a ClientHello server_name body and returns the host name as sent (no case folding).
 * Only name_type host_name (0) is understood; another type is `decode_error` as in OpenSSL.
 * A second host_name is `illegal_parameter` (RFC 6066: at most one name per type). A name that
 * is too long or holds a NUL or other non-hostname byte is `unrecognized_name`, as OpenSSL does
 * for length and NUL: the structure is sound, the name is not one we could ever serve.
 */
export function decodeServerNameList(data: Uint8Array): string {
  const r = new Reader(data);
  const list = r.sub16('server_name list', 1);
  r.expectEnd('server_name');
  let host: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8('server_name name_type');
    if (type !== 0) throw decodeError(`server_name name_type ${type} is not host_name`, Reason.SSL_R_BAD_EXTENSION);
    const name = list.vec16('server_name host_name', 1);
    if (host !== undefined) {
      throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_EXTENSION, 'server_name lists two host names');
    }
    if (name.length > MAX_HOST_NAME || !name.every(isHostNameByte)) {
      throw new TlsFailure(AlertDescription.unrecognized_name, Reason.SSL_R_BAD_EXTENSION, 'server_name is not a valid host name');
    }
    host = latin1(name);
  }
  // The list is at least 1 byte and each entry fails or sets host, so host is set here.
  return host!;
}

// ---------------------------------------------------------------------------------------------
// supported_groups, signature_algorithms, signature_algorithms_cert: vec16 of u16

/** A vec16 list of u16 values (supported_groups, signature_algorithms[_cert]). */
export function encodeU16List(values: number[]): Uint8Array {
  check(values.length >= 1, 'a u16 list extension needs at least one value');
  const w = new Writer(2 + 2 * values.length);
  w.vec16((b) => {
    for (const v of values) b.u16(v);
  });
  return w.finish();
}

/**
 * Decodes a vec16 list of u16 values. `min` is the minimum length in bytes (RFC 8446: 2 for
 * supported_groups and signature_algorithms, so at least one entry); odd lengths are rejected.
 */
export function decodeU16List(data: Uint8Array, what: string, min = 2): number[] {
  const r = new Reader(data);
  const list = r.sub16(what, min, 0xfffe);
  r.expectEnd(what);
  if (list.remaining % 2 !== 0) throw decodeError(`${what} has an odd length`, Reason.SSL_R_BAD_EXTENSION);
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16());
  return out;
}

// ---------------------------------------------------------------------------------------------
// supported_versions (RFC 8446 4.2.1)

/** ClientHello supported_versions: vec8 of u16, 1..127 versions. */
export function encodeSupportedVersionsClient(versions: number[]): Uint8Array {
  check(versions.length >= 1 && versions.length <= 127, 'supported_versions needs 1..127 versions');
  const w = new Writer(1 + 2 * versions.length);
  w.vec8((b) => {
    for (const v of versions) b.u16(v);
  });
  return w.finish();
}

/** Decodes ClientHello supported_versions (`versions<2..254>`, even length). */
export function decodeSupportedVersionsClient(data: Uint8Array): number[] {
  const r = new Reader(data);
  const list = r.sub8('supported_versions', 2, 254);
  r.expectEnd('supported_versions');
  if (list.remaining % 2 !== 0) throw decodeError('supported_versions has an odd length', Reason.SSL_R_BAD_EXTENSION);
  const out: number[] = [];
  while (list.remaining > 0) out.push(list.u16());
  return out;
}

/** ServerHello / HelloRetryRequest supported_versions: the selected version. */
export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return new Writer(2).u16(version).finish();
}

/** Decodes ServerHello supported_versions: exactly one u16. */
export function decodeSupportedVersionsServer(data: Uint8Array): number {
  return exactU16(data, 'supported_versions');
}

function exactU16(data: Uint8Array, what: string): number {
  const r = new Reader(data);
  const v = r.u16(what);
  r.expectEnd(what);
  return v;
}

// ---------------------------------------------------------------------------------------------
// key_share (RFC 8446 4.2.8)

function writeKeyShare(w: Writer, e: KeyShareEntry): void {
  check(e.keyExchange.length >= 1 && e.keyExchange.length <= 0xffff, 'key_exchange must be 1..65535 bytes');
  w.u16(e.group);
  w.bytes16(e.keyExchange);
}

function readKeyShare(r: Reader): KeyShareEntry {
  const group = r.u16('KeyShareEntry.group');
  const keyExchange = r.vec16('KeyShareEntry.key_exchange', 1);
  return { group, keyExchange };
}

/** ClientHello key_share: vec16 of KeyShareEntry (may be empty, to ask for a HelloRetryRequest). */
export function encodeKeyShareClient(entries: KeyShareEntry[]): Uint8Array {
  const w = new Writer(64);
  w.vec16((b) => {
    for (const e of entries) writeKeyShare(b, e);
  });
  return w.finish();
}

/**
 * Decodes ClientHello key_share. Two entries for one group are `illegal_parameter`
 * (RFC 8446 4.2.8 lets servers check this; we always do).
 */
export function decodeKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  const r = new Reader(data);
  const list = r.sub16('key_share client_shares');
  r.expectEnd('key_share');
  const out: KeyShareEntry[] = [];
  // A Set, not a scan of `out`: 64 KiB of 5-byte entries would make a scan quadratic.
  const groups = new Set<number>();
  while (list.remaining > 0) {
    const e = readKeyShare(list);
    if (groups.has(e.group)) {
      throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_KEY_SHARE, `two key shares for group ${e.group}`);
    }
    groups.add(e.group);
    out.push(e);
  }
  return out;
}

/** ServerHello key_share: one KeyShareEntry. */
export function encodeKeyShareServer(e: KeyShareEntry): Uint8Array {
  const w = new Writer(4 + e.keyExchange.length);
  writeKeyShare(w, e);
  return w.finish();
}

/** Decodes ServerHello key_share. */
export function decodeKeyShareServer(data: Uint8Array): KeyShareEntry {
  const r = new Reader(data);
  const e = readKeyShare(r);
  r.expectEnd('key_share');
  return e;
}

/** HelloRetryRequest key_share: the selected group. */
export function encodeKeyShareHrr(group: number): Uint8Array {
  return new Writer(2).u16(group).finish();
}

/** Decodes HelloRetryRequest key_share: exactly one u16. */
export function decodeKeyShareHrr(data: Uint8Array): number {
  return exactU16(data, 'key_share selected_group');
}

// ---------------------------------------------------------------------------------------------
// cookie (RFC 8446 4.2.2)

/** cookie: vec16, 1..65535 bytes. */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  check(cookie.length >= 1 && cookie.length <= 0xffff, 'cookie must be 1..65535 bytes');
  return new Writer(2 + cookie.length).bytes16(cookie).finish();
}

/** Decodes cookie. */
export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const c = r.vec16('cookie', 1);
  r.expectEnd('cookie');
  return c;
}

// ---------------------------------------------------------------------------------------------
// application_layer_protocol_negotiation (RFC 7301 3.1)

/**
 * ALPN ProtocolNameList. Names are 'latin1' strings so arbitrary bytes round-trip
 * ("h2" and "http/1.1" are plain ASCII anyway).
 */
export function encodeAlpn(protocols: string[]): Uint8Array {
  check(protocols.length >= 1, 'ALPN needs at least one protocol');
  const w = new Writer(64);
  w.vec16((list) => {
    for (const p of protocols) {
      const b = fromLatin1(p, 'ALPN protocol');
      check(b.length >= 1 && b.length <= 0xff, 'ALPN protocol names must be 1..255 bytes');
      list.bytes8(b);
    }
  });
  return w.finish();
}

/** Decodes ALPN: vec16 (min 2) of vec8 (min 1) names. The server form is the same with one name. */
export function decodeAlpn(data: Uint8Array): string[] {
  const r = new Reader(data);
  const list = r.sub16('ALPN protocol_name_list', 2);
  r.expectEnd('ALPN');
  const out: string[] = [];
  while (list.remaining > 0) out.push(latin1(list.vec8('ALPN protocol name', 1)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// psk_key_exchange_modes (RFC 8446 4.2.9)

/** psk_key_exchange_modes: vec8 of u8, at least one. */
export function encodePskModes(modes: number[]): Uint8Array {
  check(modes.length >= 1 && modes.length <= 0xff, 'psk_key_exchange_modes needs 1..255 modes');
  return new Writer(1 + modes.length).bytes8(Uint8Array.from(modes)).finish();
}

/** Decodes psk_key_exchange_modes; unknown modes are kept (the engine ignores them). */
export function decodePskModes(data: Uint8Array): number[] {
  const r = new Reader(data);
  const v = r.vec8('psk_key_exchange_modes', 1);
  r.expectEnd('psk_key_exchange_modes');
  // A loop, not Array.from: the iterator protocol over a typed array was measurable per ClientHello.
  const modes: number[] = [];
  for (let i = 0; i < v.length; i++) modes.push(v[i]!);
  return modes;
}

// ---------------------------------------------------------------------------------------------
// pre_shared_key (RFC 8446 4.2.11)

/** ClientHello pre_shared_key: identities then binders. */
export function encodeOfferedPsks(p: OfferedPsks): Uint8Array {
  check(p.identities.length >= 1 && p.identities.length === p.binders.length, 'pre_shared_key needs as many binders as identities (>= 1)');
  const w = new Writer(128);
  w.vec16((list) => {
    for (const id of p.identities) {
      check(id.identity.length >= 1, 'PSK identity must not be empty');
      list.bytes16(id.identity);
      list.u32(id.obfuscatedTicketAge);
    }
  });
  writeBinders(w, p.binders);
  return w.finish();
}

function writeBinders(w: Writer, binders: Uint8Array[]): void {
  w.vec16((list) => {
    for (const b of binders) {
      check(b.length >= 32 && b.length <= 255, 'PSK binder must be 32..255 bytes');
      list.bytes8(b);
    }
  });
}

/**
 * Decodes ClientHello pre_shared_key. Grammar: identities<7..2^16-1> of
 * {identity<1..2^16-1>, u32}, binders<33..2^16-1> of PskBinderEntry<32..255>. Differing counts
 * of identities and binders are `illegal_parameter`.
 */
export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  const r = new Reader(data);
  const ids = r.sub16('pre_shared_key identities', 7);
  const identities: PskIdentity[] = [];
  while (ids.remaining > 0) {
    const identity = ids.vec16('PskIdentity.identity', 1);
    const obfuscatedTicketAge = ids.u32('PskIdentity.obfuscated_ticket_age');
    identities.push({ identity, obfuscatedTicketAge });
  }
  const bs = r.sub16('pre_shared_key binders', 33);
  const binders: Uint8Array[] = [];
  while (bs.remaining > 0) binders.push(bs.vec8('PskBinderEntry', 32));
  r.expectEnd('pre_shared_key');
  if (identities.length !== binders.length) {
    throw new TlsFailure(
      AlertDescription.illegal_parameter,
      Reason.SSL_R_BAD_EXTENSION,
      `pre_shared_key has ${identities.length} identities but ${binders.length} binders`,
    );
  }
  return { identities, binders };
}

/**
 * Byte length of the encoded binders list including its 2-byte length: the ClientHello is
 * truncated by this much to compute binders (RFC 8446 4.2.11.2).
 */
export function bindersLength(binders: Uint8Array[]): number {
  let n = 2;
  for (const b of binders) n += 1 + b.length;
  return n;
}

/** ServerHello pre_shared_key: the selected identity index. */
export function encodeSelectedPsk(index: number): Uint8Array {
  return new Writer(2).u16(index).finish();
}

/** Decodes ServerHello pre_shared_key: exactly one u16. */
export function decodeSelectedPsk(data: Uint8Array): number {
  return exactU16(data, 'pre_shared_key selected_identity');
}

// ---------------------------------------------------------------------------------------------
// early_data (RFC 8446 4.2.10)

/** NewSessionTicket early_data: max_early_data_size (u32). The CH/EE form is an empty body. */
export function encodeEarlyDataMax(n: number): Uint8Array {
  check(Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 'max_early_data_size must be a u32');
  return new Writer(4).u32(n).finish();
}

/** Decodes NewSessionTicket early_data: exactly one u32. */
export function decodeEarlyDataMax(data: Uint8Array): number {
  const r = new Reader(data);
  const v = r.u32('early_data max_early_data_size');
  r.expectEnd('early_data');
  return v;
}

// ---------------------------------------------------------------------------------------------
// record_size_limit (RFC 8449 4)

/** record_size_limit: u16, at least 64. */
export function encodeRecordSizeLimit(n: number): Uint8Array {
  check(Number.isInteger(n) && n >= 64 && n <= 0xffff, 'record_size_limit must be 64..65535');
  return new Writer(2).u16(n).finish();
}

/** Decodes record_size_limit. A value below 64 is `illegal_parameter` (RFC 8449 4). */
export function decodeRecordSizeLimit(data: Uint8Array): number {
  const v = exactU16(data, 'record_size_limit');
  if (v < 64) {
    throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_RECORD_SIZE_LIMIT, `record_size_limit ${v} < 64`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// TLS 1.2 extensions

/** ec_point_formats (RFC 8422 5.1.2): vec8 of u8, at least one. */
export function encodeEcPointFormats(formats: number[]): Uint8Array {
  check(formats.length >= 1 && formats.length <= 0xff, 'ec_point_formats needs 1..255 formats');
  return new Writer(1 + formats.length).bytes8(Uint8Array.from(formats)).finish();
}

/** Decodes ec_point_formats. */
export function decodeEcPointFormats(data: Uint8Array): number[] {
  const r = new Reader(data);
  const v = r.vec8('ec_point_formats', 1);
  r.expectEnd('ec_point_formats');
  return Array.from(v);
}

/** renegotiation_info (RFC 5746 3.2): vec8 renegotiated_connection (empty on a first handshake). */
export function encodeRenegotiationInfo(renegotiatedConnection: Uint8Array): Uint8Array {
  check(renegotiatedConnection.length <= 0xff, 'renegotiated_connection must be at most 255 bytes');
  return new Writer(1 + renegotiatedConnection.length).bytes8(renegotiatedConnection).finish();
}

/** Decodes renegotiation_info. */
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const v = r.vec8('renegotiation_info');
  r.expectEnd('renegotiation_info');
  return v;
}

/** certificate_authorities (RFC 8446 4.2.4): DER DistinguishedNames, at least one. */
export function encodeCertificateAuthorities(names: Uint8Array[]): Uint8Array {
  check(names.length >= 1, 'certificate_authorities needs at least one name');
  const w = new Writer(256);
  w.vec16((list) => {
    for (const n of names) {
      check(n.length >= 1, 'DistinguishedName must not be empty');
      list.bytes16(n);
    }
  });
  return w.finish();
}

/** Decodes certificate_authorities: vec16 (min 3) of DistinguishedName vec16 (min 1). */
export function decodeCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data);
  const list = r.sub16('certificate_authorities', 3);
  r.expectEnd('certificate_authorities');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(list.vec16('DistinguishedName', 1));
  return out;
}

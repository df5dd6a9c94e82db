import { defaultCryptoProvider } from '../crypto/default.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { suiteInfo, type SuiteInfo } from '../crypto/suites.js';
import type { ReceivedTicket } from '../engine/connection.js';
import { StoredTicket } from '../engine/tls13/stored-ticket.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { Session } from './session.js';

/**
 * The stored form of a `Session`, so an application can keep sessions outside the process (a
 * file, a database, a cache shared by a fleet of servers):
 *
 *   "TSS" | format version (1) | fields | SHA-256 of everything before it
 *
 * The format version lets later releases read older bytes (and refuse newer ones clearly); the
 * digest catches truncation and corruption. It is an integrity check, not authentication: the
 * bytes hold the session's secrets, so the store itself must be trusted and protected.
 */
const MAGIC = [0x54, 0x53, 0x53];
const MAGIC_BYTES = Uint8Array.from(MAGIC);
const EMPTY = new Uint8Array(0);
/** Current format version (2 added the verification result; version 1 bytes are still read). */
export const SESSION_FORMAT_VERSION = 2;
const DIGEST_LENGTH = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why `sessionFromBytes` refused its input. */
export class SessionFormatError extends Error {
  override name = 'SessionFormatError';
}

/** Serialises a session (secrets included) to bytes; `sessionFromBytes` reads them back. */
export function sessionToBytes(session: Session, provider: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  const w = new Writer(512);
  w.bytes(MAGIC_BYTES).u8(SESSION_FORMAT_VERSION);
  w.u8(session.side === 'client' ? 0 : 1);
  w.u16(session.version === 'TLSv1.3' ? 0x0304 : 0x0303);
  w.u16(session.suite.id);
  w.bytes8(session.id);
  writeTime(w, session.createdAt);
  w.u32(session.timeout >>> 0);
  w.u8((session.markedNotResumable ? 1 : 0) | (session.extendedMasterSecret ? 2 : 0) | (session.hasServerSessionId ? 4 : 0));
  w.bytes8(optionalTextBytes(session.alpn));
  w.bytes16(optionalTextBytes(session.serverName));
  w.vec24((list) => {
    for (const c of session.peerCertificates) list.bytes24(c);
  });
  w.u32(session.ticketsIssued >>> 0);
  w.bytes8(session.resumptionSecret ?? new Uint8Array(0));
  w.bytes8(session.masterSecret ?? new Uint8Array(0));
  w.bytes16(session.ticket12 ?? new Uint8Array(0));
  w.u32(session.ticketLifetimeHint >>> 0);
  w.u32(session.verifyResult >>> 0);
  w.u8(session.tickets.length);
  for (const t of session.tickets) {
    // The ticket nonce's slot stays in the format, empty: a ticket keeps the PSK derived from it.
    w.u32(t.lifetime).u32(t.ageAdd).bytes8(EMPTY).bytes16(t.ticket).u32(t.maxEarlyData).bytes8(t.psk).u16(t.suite.id);
    writeTime(w, t.receivedAt);
    w.bytes8(optionalTextBytes(t.alpn));
    w.bytes16(optionalTextBytes(t.serverName));
  }
  // The digest is computed over a view of what was written and appended: one copy out, not two.
  w.bytes(provider.digest('sha256', w.view()));
  return w.finish();
}

function optionalTextBytes(text: string | null): Uint8Array {
  return text === null || text === '' ? EMPTY : encoder.encode(text);
}

/**
 * Reads bytes made by `sessionToBytes`. Throws a SessionFormatError when they are not a session,
 * were truncated or altered, or come from a newer format version.
 */
export function sessionFromBytes(bytes: Uint8Array, provider: CryptoProvider = defaultCryptoProvider()): Session {
  if (bytes.length < MAGIC.length + 1 + DIGEST_LENGTH || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new SessionFormatError('not a typessl session');
  }
  const format = bytes[3]!;
  if (format < 1 || format > SESSION_FORMAT_VERSION) {
    throw new SessionFormatError(`session format version ${format} is not supported (this release reads 1 to ${SESSION_FORMAT_VERSION})`);
  }
  const body = bytes.subarray(0, bytes.length - DIGEST_LENGTH);
  const digest = provider.digest('sha256', body);
  let diff = 0;
  for (let i = 0; i < DIGEST_LENGTH; i++) diff |= digest[i]! ^ bytes[body.length + i]!;
  if (diff !== 0) throw new SessionFormatError('session bytes are corrupted (integrity check failed)');
  try {
    return decodeBody(new Reader(body, 4), format);
  } catch (e) {
    if (e instanceof SessionFormatError) throw e;
    throw new SessionFormatError(`malformed session: ${(e as Error).message}`);
  }
}

function decodeBody(r: Reader, format: number): Session {
  const sideByte = r.u8('side');
  if (sideByte > 1) throw new SessionFormatError(`bad side ${sideByte}`);
  const versionCode = r.u16('version');
  if (versionCode !== 0x0304 && versionCode !== 0x0303) throw new SessionFormatError(`bad version 0x${versionCode.toString(16)}`);
  const version = versionCode === 0x0304 ? 'TLSv1.3' : 'TLSv1.2';
  const suite = readSuite(r, version);
  const id = r.vec8('id').slice();
  const createdAt = readTime(r);
  const timeout = r.u32('timeout');
  const flags = r.u8('flags');
  const alpn = optionalText(r.vec8('alpn'));
  const serverName = optionalText(r.vec16('server name'));
  const certs = r.sub24('peer certificates');
  const peerCertificates: Uint8Array[] = [];
  while (certs.remaining > 0) peerCertificates.push(certs.vec24('certificate', 1).slice());
  const ticketsIssued = r.u32('tickets issued');
  const resumptionSecret = optionalBytes(r.vec8('resumption secret'));
  const masterSecret = optionalBytes(r.vec8('master secret'));
  const ticket12 = optionalBytes(r.vec16('TLS 1.2 ticket'));
  const ticketLifetimeHint = r.u32('ticket lifetime hint');
  const verifyResult = format >= 2 ? r.u32('verify result') : 0;
  const count = r.u8('ticket count');
  const tickets: ReceivedTicket[] = [];
  for (let i = 0; i < count; i++) {
    const lifetime = r.u32('ticket lifetime');
    const ageAdd = r.u32('ticket age add');
    r.vec8('ticket nonce'); // not kept (see encode)
    const ticket = r.vec16('ticket', 1);
    const maxEarlyData = r.u32('max early data');
    const psk = r.vec8('ticket psk', 1);
    const ticketSuite = readSuite(r, 'TLSv1.3');
    const receivedAt = readTime(r);
    const ticketAlpn = optionalText(r.vec8('ticket alpn'));
    const ticketServerName = optionalText(r.vec16('ticket server name'));
    // StoredTicket copies the ticket and PSK out of the session bytes.
    tickets.push(StoredTicket.copy({ lifetime, ageAdd, ticket, maxEarlyData, psk, suite: ticketSuite, receivedAt, alpn: ticketAlpn, serverName: ticketServerName }));
  }
  r.expectEnd('session');
  const session = new Session({
    side: sideByte === 0 ? 'client' : 'server',
    id,
    version,
    suite,
    alpn,
    serverName,
    peerCertificates,
    // Exactly as long as its contents (slice): the first push reserved 17 slots.
    tickets: tickets.slice(),
    createdAt,
    timeout,
    resumptionSecret,
    masterSecret,
    extendedMasterSecret: (flags & 2) !== 0,
    hasServerSessionId: (flags & 4) !== 0,
    ticket12,
    ticketLifetimeHint,
    verifyResult,
  });
  session.ticketsIssued = ticketsIssued;
  if (flags & 1) session.notResumable();
  return session;
}

function readSuite(r: Reader, version: 'TLSv1.3' | 'TLSv1.2'): SuiteInfo {
  const code = r.u16('cipher suite');
  const suite = suiteInfo(code);
  if (!suite || suite.version !== version) throw new SessionFormatError(`cipher suite 0x${code.toString(16)} is not a ${version} suite typessl knows`);
  return suite;
}

/** Milliseconds since the epoch as two u32 (high, low). */
function writeTime(w: Writer, ms: number): void {
  const t = Math.max(0, Math.floor(ms));
  w.u32(Math.floor(t / 0x1_0000_0000)).u32(t % 0x1_0000_0000);
}

function readTime(r: Reader): number {
  const hi = r.u32('time');
  return hi * 0x1_0000_0000 + r.u32('time');
}

function optionalText(bytes: Uint8Array): string | null {
  return bytes.length === 0 ? null : decoder.decode(bytes);
}

function optionalBytes(bytes: Uint8Array): Uint8Array | null {
  return bytes.length === 0 ? null : bytes.slice();
}

/**
 * Bad input at the record layer: headers, lengths, protection, record types and their order, alerts
 * and change_cipher_spec, floods of empty records. Each case runs a real handshake over memory BIOs,
 * tampers with or forges what is in flight, and checks the victim's return value, error, reason,
 * the alert it put on the wire and that the failure is sticky (see `expectFailure`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSL_ERROR_SSL, SSL_ERROR_WANT_READ } from '../../src/ssl/constants.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, KeyUpdateRequest } from '../../src/wire/enums.js';
import { receivedAlertReason } from '../../src/wire/errors.js';
import { encodeFinished, encodeHandshake, encodeKeyUpdate, encodeNewSessionTicket } from '../../src/wire/handshake.js';
import {
  alertBody,
  clientForger,
  clientHello,
  concat,
  established,
  expectFailure,
  firstRecord,
  flipBit,
  handshaker,
  pair,
  parseRecords,
  reader,
  record,
  serverFlight,
  serverForger,
  splitMessages,
} from './bad-input-kit.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const buf = new Uint8Array(256);

// ------------------------------------------------------------------------------ record headers

test('a record of unknown content type (0x18, TLS version) is unexpected_message', () => {
  const p = pair();
  const s = p.s;
  s.input.write(record(0x18, new Uint8Array([1, 0, 1, 0])));
  expectFailure(s, () => s.ssl.accept(), { reason: 'SSL_R_BAD_RECORD_TYPE', alert: AlertDescription.unexpected_message });
});

test('a record of unknown content type after the handshake is unexpected_message (encrypted alert)', () => {
  const p = established();
  p.c.input.write(record(0x19, enc('abcdefghijklmnopq')));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_BAD_RECORD_TYPE', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('a record of content type 0 (invalid) in the middle of a handshake is unexpected_message', () => {
  const p = pair();
  const hello = clientHello(p);
  p.s.input.write(concat(hello, record(0, new Uint8Array(3))));
  // The server answers the ClientHello, then fails on the next record: its alert is encrypted.
  p.s.output.drain();
  p.server.doHandshake();
  const wire = p.s.output.drain();
  const records = parseRecords(wire);
  assert.equal(records.at(-1)!.type, ContentType.application_data);
  const info = p.server.getErrorInfo();
  assert.equal(info?.reason, 'SSL_R_BAD_RECORD_TYPE');
  assert.deepEqual(info?.alert, { description: AlertDescription.unexpected_message, name: 'unexpected_message', direction: 'sent' });
  // The client reads the flight, completes its side, and then reads the server's alert.
  p.c.input.write(wire);
  assert.equal(p.client.doHandshake(), 1);
  // S-56: a read that meets a fatal alert returns 0, and getError says SSL (not ZERO_RETURN).
  assert.equal(p.client.read(buf), 0);
  assert.equal(p.client.getError(0), SSL_ERROR_SSL);
  assert.equal(p.client.getErrorInfo()?.reason, 'SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE');
});

test('record version 0x0200 after the handshake is protocol_version', () => {
  const p = established();
  p.c.input.write(record(ContentType.application_data, new Uint8Array(40), 0x0200));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_WRONG_VERSION_NUMBER', alert: AlertDescription.protocol_version }, reader(p.s));
});

test('record version 0x0200 as a server\'s first record: not TLS, so no alert (as OpenSSL)', () => {
  const p = pair();
  p.s.input.write(record(ContentType.handshake, new Uint8Array(40), 0x0200));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_WRONG_VERSION_NUMBER', alert: null });
});

test('record version 0x0200 as the client\'s first record: not TLS, so no alert (as OpenSSL)', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(record(ContentType.handshake, new Uint8Array(40), 0x0200));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_WRONG_VERSION_NUMBER', alert: null });
});

test('a record version with the right major and another minor (0x0301) is accepted', () => {
  const p = pair();
  const hello = clientHello(p);
  const flight = serverFlight(p, hello);
  const records = parseRecords(flight);
  records[0]!.version = 0x0301;
  p.c.input.write(concat(...records.map((r) => record(r.type, r.fragment, r.version))));
  assert.equal(p.client.connect(), 1);
});

test('an HTTP request sent to a TLS server: SSL_R_HTTP_REQUEST and no alert', () => {
  for (const text of ['GET / HTTP/1.1\r\nHost: example\r\n\r\n', 'POST /x HTTP/1.1\r\n', 'HEAD / HTTP/1.0\r\n', 'PUT /y HTTP/1.1\r\n']) {
    const p = pair();
    p.s.input.write(enc(text));
    expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_HTTP_REQUEST', alert: null });
  }
});

test('an HTTP proxy CONNECT sent to a TLS server: SSL_R_HTTPS_PROXY_REQUEST and no alert', () => {
  const p = pair();
  p.s.input.write(enc('CONNECT example.com:443 HTTP/1.1\r\n\r\n'));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_HTTPS_PROXY_REQUEST', alert: null });
});

test('other plain text sent to a TLS server: SSL_R_WRONG_VERSION_NUMBER and no alert', () => {
  const p = pair();
  p.s.input.write(enc('220 smtp.example.com ESMTP ready\r\n'));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_WRONG_VERSION_NUMBER', alert: null });
});

test('a partial header of garbage waits for the whole header instead of guessing', () => {
  const p = pair();
  p.s.input.write(enc('GET'));
  assert.equal(p.server.accept(), -1);
  assert.equal(p.server.getError(-1), SSL_ERROR_WANT_READ);
  p.s.input.write(enc(' / HTTP/1.1\r\n'));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_HTTP_REQUEST', alert: null });
});

test('garbage after a valid ClientHello is not an HTTP request any more: unexpected_message', () => {
  const p = pair();
  p.c.input.write(serverFlight(p, clientHello(p)));
  assert.equal(p.client.connect(), 1);
  p.s.input.write(enc('GET / HTTP/1.1\r\n'));
  // The server's alert goes out under its application key, which the client already has.
  const info = expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_WRONG_VERSION_NUMBER', alert: AlertDescription.protocol_version }, reader(p.c));
  assert.match(info.message, /not TLS/);
});

// ------------------------------------------------------------------------------ record lengths

test('a protected record longer than 2^14+256 is record_overflow, rejected from its header alone', () => {
  const p = established();
  // Only the header: the length alone condemns it, there is no need to wait for 16641 bytes.
  p.c.input.write(record(ContentType.application_data, new Uint8Array(0), 0x0303, 16384 + 256 + 1));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_ENCRYPTED_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow }, reader(p.s));
});

test('a protected record of exactly 2^14+256 bytes is not rejected for its length', () => {
  const p = established();
  p.c.input.write(record(ContentType.application_data, new Uint8Array(16384 + 256)));
  // It is read whole and then fails authentication, not the length check.
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, reader(p.s));
});

test('a plaintext handshake record over 2^14 is record_overflow', () => {
  const p = pair();
  const hello = splitMessages(parseRecords(clientHello(p))[0]!.fragment)[0]!;
  // A ClientHello padded to 2^14+1 bytes of record content.
  const body = new Uint8Array(16385);
  body.set(hello);
  p.s.input.write(record(ContentType.handshake, body, 0x0301));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_DATA_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow });
});

test('a plaintext record header announcing more than any record may hold is record_overflow at once', () => {
  const p = pair();
  p.s.input.write(record(ContentType.handshake, new Uint8Array(0), 0x0301, 0xffff));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_ENCRYPTED_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow });
});

test('a protected record whose plaintext is over 2^14+1 bytes is record_overflow', () => {
  const p = established();
  const f = serverForger(p);
  // Content of 2^14 bytes plus 2 bytes of padding: the inner plaintext is 2^14+3 bytes.
  p.c.input.write(f.seal(ContentType.application_data, new Uint8Array(16384), 2));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_DATA_LENGTH_TOO_LONG', alert: AlertDescription.record_overflow }, reader(p.s));
});

test('a protected record of 2^14 bytes of content and no padding is fine', () => {
  const p = established();
  const f = serverForger(p);
  p.c.input.write(f.seal(ContentType.application_data, new Uint8Array(16384).fill(7)));
  const big = new Uint8Array(20000);
  assert.equal(p.client.read(big), 16384);
});

// ------------------------------------------------------------------------------ protection

test('a flipped bit in the server\'s encrypted flight is bad_record_mac (client sends it in plaintext)', () => {
  const p = pair();
  const flight = serverFlight(p, clientHello(p));
  // Flight: ServerHello, change_cipher_spec, then protected records; flip the last byte of the first protected one.
  const records = parseRecords(flight);
  const at = records.findIndex((r) => r.type === ContentType.application_data);
  records[at]!.fragment = flipBit(records[at]!.fragment, records[at]!.fragment.length - 1, 3);
  p.c.input.write(concat(...records.map((r) => record(r.type, r.fragment, r.version))));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, handshaker(p.s));
});

test('a flipped bit in application data is bad_record_mac (encrypted alert)', () => {
  const p = established();
  assert.equal(p.client.write(enc('hello')), 5);
  const wire = p.c.output.drain();
  p.s.input.write(flipBit(wire, 7, 0));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, reader(p.c));
});

test('a flipped bit in a protected record header (the AEAD additional data) is bad_record_mac', () => {
  const p = established();
  assert.equal(p.client.write(enc('hello')), 5);
  const wire = p.c.output.drain();
  p.s.input.write(flipBit(wire, 2, 1)); // version 0x0303 -> 0x0301: fine for the deframer, not for the tag
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, reader(p.c));
});

test('a protected record shorter than the tag is bad_record_mac', () => {
  const p = established();
  p.s.input.write(record(ContentType.application_data, new Uint8Array(10)));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, reader(p.c));
});

test('a protected record that is all padding (no content type) is unexpected_message', () => {
  const p = established();
  const f = clientForger(p);
  // seal() puts the type byte after the content; a type of 0 looks exactly like padding.
  p.s.input.write(f.seal(0, new Uint8Array(0), 5));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message }, reader(p.c));
});

test('a replayed protected record is bad_record_mac (sequence numbers)', () => {
  const p = established();
  assert.equal(p.client.write(enc('once')), 4);
  const wire = p.c.output.drain();
  p.s.input.write(wire);
  assert.equal(p.server.read(buf), 4);
  p.s.input.write(wire);
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', alert: AlertDescription.bad_record_mac }, reader(p.c));
});

// ------------------------------------------------------------------------------ record types and order

test('application data before the handshake is unexpected_message', () => {
  const p = pair();
  p.s.input.write(record(ContentType.application_data, enc('hello')));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message });
});

test('plaintext application data answering a ClientHello is unexpected_message', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(record(ContentType.application_data, enc('hello')));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message });
});

test('a plaintext handshake record after the keys changed is unexpected_message', () => {
  const p = established();
  const msg = encodeKeyUpdate({ requestUpdate: KeyUpdateRequest.update_not_requested });
  p.c.input.write(record(ContentType.handshake, msg));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('a plaintext alert after protected records were read is unexpected_message', () => {
  const p = established();
  p.c.input.write(record(ContentType.alert, alertBody(AlertDescription.handshake_failure)));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('an empty plaintext handshake record is unexpected_message', () => {
  const p = pair();
  p.s.input.write(record(ContentType.handshake, new Uint8Array(0)));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_UNEXPECTED_RECORD', alert: AlertDescription.unexpected_message });
});

/** A ClientHello record whose handshake header announces 100 bytes more than the record holds. */
function overlongHello(hello: Uint8Array): Uint8Array {
  const msg = splitMessages(parseRecords(hello)[0]!.fragment)[0]!.slice();
  const length = msg.length - 4 + 100;
  msg[1] = length >>> 16;
  msg[2] = (length >>> 8) & 0xff;
  msg[3] = length & 0xff;
  return record(ContentType.handshake, msg, 0x0301);
}

test('a handshake message cut short, then an alert record: unexpected_message', () => {
  const p = pair();
  p.s.input.write(concat(overlongHello(clientHello(p)), record(ContentType.alert, alertBody(AlertDescription.close_notify, AlertLevel.warning))));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA', alert: AlertDescription.unexpected_message });
});

test('a handshake message cut short, then application data: unexpected_message', () => {
  const p = pair();
  p.s.input.write(concat(overlongHello(clientHello(p)), record(ContentType.application_data, enc('data'))));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA', alert: AlertDescription.unexpected_message });
});

test('a handshake message cut short, then change_cipher_spec: unexpected_message', () => {
  const p = pair();
  p.s.input.write(concat(overlongHello(clientHello(p)), record(ContentType.change_cipher_spec, new Uint8Array([1]))));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA', alert: AlertDescription.unexpected_message });
});

test('a ServerHello cut short, then the compatibility change_cipher_spec: unexpected_message', () => {
  const p = pair();
  const flight = serverFlight(p, clientHello(p));
  const records = parseRecords(flight);
  // Split the ServerHello over two records with the change_cipher_spec between them.
  const sh = records[0]!.fragment;
  const ccs = records.find((r) => r.type === ContentType.change_cipher_spec)!;
  p.c.input.write(concat(record(ContentType.handshake, sh.subarray(0, 20)), record(ccs.type, ccs.fragment), record(ContentType.handshake, sh.subarray(20))));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA', alert: AlertDescription.unexpected_message });
});

test('a ServerHello split over two records is fine', () => {
  const p = pair();
  const flight = serverFlight(p, clientHello(p));
  const records = parseRecords(flight);
  const sh = records[0]!.fragment;
  const rest = records.slice(1).map((r) => record(r.type, r.fragment, r.version));
  p.c.input.write(concat(record(ContentType.handshake, sh.subarray(0, 3)), record(ContentType.handshake, sh.subarray(3)), ...rest));
  assert.equal(p.client.connect(), 1);
});

test('a post-handshake message cut short, then application data: unexpected_message', () => {
  const p = established();
  const f = serverForger(p);
  const ku = encodeKeyUpdate({ requestUpdate: KeyUpdateRequest.update_not_requested });
  p.c.input.write(concat(f.seal(ContentType.handshake, ku.subarray(0, 2)), f.seal(ContentType.application_data, enc('x'))));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('a KeyUpdate that does not end its record is unexpected_message (key change off a record boundary)', () => {
  const p = established();
  const f = serverForger(p);
  const ku = encodeKeyUpdate({ requestUpdate: KeyUpdateRequest.update_not_requested });
  p.c.input.write(f.seal(ContentType.handshake, concat(ku, ku.subarray(0, 2))));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_NOT_ON_RECORD_BOUNDARY', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('after the handshake a client takes only tickets and KeyUpdates: a Finished is unexpected_message', () => {
  const p = established();
  const f = serverForger(p);
  p.c.input.write(f.seal(ContentType.handshake, encodeFinished({ verifyData: new Uint8Array(32) })));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_UNEXPECTED_MESSAGE', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('after the handshake a server takes only KeyUpdates: a NewSessionTicket from the client is unexpected_message', () => {
  const p = established();
  const f = clientForger(p);
  const nst = encodeNewSessionTicket({ lifetime: 60, ageAdd: 1, nonce: new Uint8Array(1), ticket: new Uint8Array(16), extensions: [] });
  p.s.input.write(f.seal(ContentType.handshake, nst));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_UNEXPECTED_MESSAGE', alert: AlertDescription.unexpected_message }, reader(p.c));
});

test('a ticket with a lifetime over seven days is illegal_parameter; one of exactly seven days is kept', () => {
  const week = 7 * 24 * 3600;
  const ok = established();
  const before = ok.client.getSession()?.tickets.length ?? 0;
  const nst = (lifetime: number) => encodeNewSessionTicket({ lifetime, ageAdd: 1, nonce: new Uint8Array(1), ticket: new Uint8Array(16), extensions: [] });
  ok.c.input.write(serverForger(ok).seal(ContentType.handshake, nst(week)));
  assert.equal(ok.client.read(buf), -1);
  assert.equal(ok.client.getError(-1), SSL_ERROR_WANT_READ);
  assert.equal(ok.client.getSession()!.tickets.length, before + 1);
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.handshake, nst(week + 1)));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_BAD_EXTENSION', alert: AlertDescription.illegal_parameter }, reader(p.s));
});

// ------------------------------------------------------------------------------ change_cipher_spec

test('change_cipher_spec of value 2 during the handshake is unexpected_message', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(record(ContentType.change_cipher_spec, new Uint8Array([2])));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message });
});

test('change_cipher_spec of two bytes during the handshake is unexpected_message', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(record(ContentType.change_cipher_spec, new Uint8Array([1, 1])));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message });
});

test('change_cipher_spec before the ClientHello is unexpected_message', () => {
  const p = pair();
  p.s.input.write(record(ContentType.change_cipher_spec, new Uint8Array([1])));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message });
});

test('change_cipher_spec after the handshake is unexpected_message', () => {
  const p = established();
  p.c.input.write(record(ContentType.change_cipher_spec, new Uint8Array([1])));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('change_cipher_spec inside a protected record is unexpected_message', () => {
  const p = established();
  p.s.input.write(clientForger(p).seal(ContentType.change_cipher_spec, new Uint8Array([1])));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_BAD_CHANGE_CIPHER_SPEC', alert: AlertDescription.unexpected_message }, reader(p.c));
});

// ------------------------------------------------------------------------------ alerts

// An alert record that is not exactly 2 bytes: RFC 8446 leaves the alert open; the project follows
// OpenSSL 3 with unexpected_message (shutdown-behaviours S-57; BoringSSL would say decode_error).
test('a plaintext alert record of 3 bytes is unexpected_message (S-57)', () => {
  const p = pair();
  p.s.input.write(record(ContentType.alert, new Uint8Array([2, 40, 0])));
  expectFailure(p.s, () => p.server.accept(), { reason: 'SSL_R_INVALID_ALERT', alert: AlertDescription.unexpected_message });
});

test('a protected alert record of 3 bytes is unexpected_message (S-57)', () => {
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.alert, new Uint8Array([1, 0, 0])));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_INVALID_ALERT', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('an empty protected alert record is unexpected_message (S-57)', () => {
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.alert, new Uint8Array(0)));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_INVALID_ALERT', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('a fatal alert received before keys: reason names it, nothing is sent back', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(record(ContentType.alert, alertBody(AlertDescription.handshake_failure)));
  const info = expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE', alert: null });
  assert.deepEqual(info.alert, { description: AlertDescription.handshake_failure, name: 'handshake_failure', direction: 'received' });
});

test('a fatal alert received after the handshake: reason names it, nothing is sent back', () => {
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.alert, alertBody(AlertDescription.internal_error)));
  const info = expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_TLSV1_ALERT_INTERNAL_ERROR', alert: null, ret: 0 });
  assert.deepEqual(info.alert, { description: AlertDescription.internal_error, name: 'internal_error', direction: 'received' });
  // write() reports the same sticky failure.
  assert.equal(p.client.write(enc('x')), -1);
  assert.equal(p.client.getErrorInfo()?.reason, 'SSL_R_TLSV1_ALERT_INTERNAL_ERROR');
  assert.equal(p.c.output.pending(), 0);
});

test('an unknown alert description at warning level is fatal in TLS 1.3 and is not answered', () => {
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.alert, alertBody(200, AlertLevel.warning)));
  const info = expectFailure(p.c, () => p.client.read(buf), { reason: receivedAlertReason(200), alert: null, ret: 0 });
  assert.equal(info.alert?.direction, 'received');
});

test('a client that rejects the server certificate: the server reports the plaintext alert it receives', () => {
  const p = pair({ trustedCertificates: undefined });
  const flight = serverFlight(p, clientHello(p));
  p.c.input.write(flight);
  // The client has no trust anchors; it fails on the Certificate before it has a handshake write key.
  const info = expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_CERTIFICATE_VERIFY_FAILED', alert: AlertDescription.unknown_ca }, handshaker(p.s));
  assert.equal(info.alert?.direction, 'sent');
});

// ------------------------------------------------------------------------------ floods and post-handshake

test('32 empty application data records are tolerated, the 33rd in a row is unexpected_message', () => {
  const p = established();
  const f = serverForger(p);
  const empties = Array.from({ length: 32 }, () => f.seal(ContentType.application_data, new Uint8Array(0)));
  p.c.input.write(concat(...empties, f.seal(ContentType.application_data, enc('x'))));
  assert.equal(p.client.read(buf), 1);
  const more = Array.from({ length: 33 }, () => f.seal(ContentType.application_data, new Uint8Array(0)));
  p.c.input.write(concat(...more));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_TOO_MANY_EMPTY_RECORDS', alert: AlertDescription.unexpected_message }, reader(p.s));
});

test('33 change_cipher_spec records in a row during the handshake are unexpected_message', () => {
  const p = pair();
  clientHello(p);
  p.c.input.write(concat(...Array.from({ length: 33 }, () => record(ContentType.change_cipher_spec, new Uint8Array([1])))));
  expectFailure(p.c, () => p.client.connect(), { reason: 'SSL_R_TOO_MANY_EMPTY_RECORDS', alert: AlertDescription.unexpected_message });
});

test('KeyUpdate with request_update 5 is illegal_parameter', () => {
  const p = established();
  p.c.input.write(serverForger(p).seal(ContentType.handshake, encodeHandshake(HandshakeType.key_update, new Uint8Array([5]))));
  expectFailure(p.c, () => p.client.read(buf), { reason: 'SSL_R_BAD_KEY_UPDATE', alert: AlertDescription.illegal_parameter }, reader(p.s));
});

test('KeyUpdate with a 2-byte body is decode_error', () => {
  const p = established();
  p.s.input.write(clientForger(p).seal(ContentType.handshake, encodeHandshake(HandshakeType.key_update, new Uint8Array([0, 0]))));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_LENGTH_MISMATCH', alert: AlertDescription.decode_error }, reader(p.c));
});

test('a ClientHello after the handshake is unexpected_message (no renegotiation in TLS 1.3)', () => {
  const p = established();
  const other = pair();
  const hello = splitMessages(parseRecords(firstRecord(clientHello(other)))[0]!.fragment)[0]!;
  p.s.input.write(clientForger(p).seal(ContentType.handshake, hello));
  expectFailure(p.s, () => p.server.read(buf), { reason: 'SSL_R_UNEXPECTED_MESSAGE', alert: AlertDescription.unexpected_message }, reader(p.c));
});

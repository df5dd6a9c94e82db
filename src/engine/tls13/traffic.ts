/**
 * TLS 1.3 after the handshake (RFC 8446 4.6): the only handshake messages a connection still
 * takes are the server's NewSessionTicket and KeyUpdate in either direction. Each side's machine
 * is then replaced by one of these (Connection.afterHandshake), which hold nothing: one object
 * for all connections, given the connection with each message, so an idle connection keeps no
 * machine of its own (the handshake's was 160 bytes for a client, 96 for a server).
 */
import { AlertDescription, ExtensionType, HandshakeType } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import { decodeEarlyDataMax } from '../../wire/extensions.js';
import { decodeKeyUpdate, decodeNewSessionTicket } from '../../wire/handshake.js';
import { MAX_TICKET_LIFETIME, type HandshakeMessage } from '../../wire/messages.js';
import type { Connection, HandshakeMachine } from '../connection.js';

function unexpected(m: HandshakeMessage): TlsFailure {
  return new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} in state traffic`);
}

/** A client's post-handshake message: a ticket to keep, or a KeyUpdate. */
export function clientTrafficMessage(conn: Connection, m: HandshakeMessage): void {
  if (m.type === HandshakeType.new_session_ticket) return keepTicket(conn, m);
  if (m.type === HandshakeType.key_update) return conn.receiveKeyUpdate(decodeKeyUpdate(m.body).requestUpdate);
  // After our close_notify we can no longer answer a post-handshake CertificateRequest, so it
  // is ignored rather than failing the close (S-19, as OpenSSL).
  if (m.type === HandshakeType.certificate_request && conn.writeClosed) return;
  throw unexpected(m);
}

/** A server's post-handshake message: only a KeyUpdate. */
export function serverTrafficMessage(conn: Connection, m: HandshakeMessage): void {
  if (m.type === HandshakeType.key_update) return conn.receiveKeyUpdate(decodeKeyUpdate(m.body).requestUpdate);
  throw unexpected(m);
}

function keepTicket(conn: Connection, m: HandshakeMessage): void {
  const nst = decodeNewSessionTicket(m.body);
  if (nst.lifetime > MAX_TICKET_LIFETIME) {
    throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_EXTENSION, 'ticket lifetime over seven days');
  }
  let maxEarlyData = 0;
  for (const e of nst.extensions) {
    if (e.type === ExtensionType.early_data) maxEarlyData = decodeEarlyDataMax(e.data);
  }
  // Not the nonce: it only derives the PSK (RFC 8446 4.6.1). The connection copies the rest.
  conn.addTicket({
    lifetime: nst.lifetime,
    ageAdd: nst.ageAdd,
    ticket: nst.ticket,
    maxEarlyData,
    psk: conn.keySchedule!.ticketPsk(conn.resumptionSecret!, nst.nonce),
    receivedAt: conn.config.now(),
  });
}

/** A TLS 1.3 client's machine once its handshake is over (shared, stateless). */
export const TLS13_CLIENT_TRAFFIC: HandshakeMachine = Object.freeze({
  start(): void {
    // Never started: it takes over from the client's handshake machine.
  },
  handle(m: HandshakeMessage, conn: Connection): void {
    clientTrafficMessage(conn, m);
  },
});

/** A TLS 1.3 server's machine once its handshake is over (shared, stateless). */
export const TLS13_SERVER_TRAFFIC: HandshakeMachine = Object.freeze({
  start(): void {
    // Never started: it takes over from the server's handshake machine.
  },
  handle(m: HandshakeMessage, conn: Connection): void {
    serverTrafficMessage(conn, m);
  },
});

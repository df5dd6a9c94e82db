/**
 * Human-readable traces for the commands: one line per record and handshake message (`-msg`),
 * OpenSSL-style handshake progress lines (`-state`), and the closing summary that says how the
 * connection ended. Pure formatting over the engine's TraceEvent stream; no I/O here.
 */
import type { TraceEvent } from '../engine/connection.js';
import type { Ssl, SslErrorInfo } from '../ssl/ssl.js';
import { AlertDescription, HandshakeType, nameOf } from '../wire/enums.js';
import { parseCertificate } from '../x509/certificate.js';

/** What one traced record or message is, in words: `client_hello`, `alert close_notify (warning)`. */
export function describeTraceEvent(e: TraceEvent): string {
  if (e.content === 'handshake') return nameOf(HandshakeType, e.code ?? -1);
  if (e.content === 'alert') return `alert ${nameOf(AlertDescription, e.code ?? -1)} (${e.level === 1 ? 'warning' : 'fatal'})`;
  if (e.content === 'application_data') return `application data, ${e.length} bytes`;
  return e.content;
}

/** SSL_get_shutdown flags in words. */
export function shutdownFlagNames(flags: number): string {
  const names = [];
  if (flags & 1) names.push('SENT_SHUTDOWN');
  if (flags & 2) names.push('RECEIVED_SHUTDOWN');
  return names.length ? names.join('|') : '0';
}

/**
 * One `-msg` line: `>>>` for what we sent, `<<<` for what we received, the content type and the
 * message; alerts are marked so a close_notify stands out in a long trace.
 */
export function formatMsgLine(e: TraceEvent): string {
  const arrow = e.direction === 'sent' ? '>>>' : '<<<';
  if (e.content === 'alert') {
    const name = nameOf(AlertDescription, e.code ?? -1);
    const level = e.level === 1 ? 'warning' : 'fatal';
    const note =
      e.code === AlertDescription.close_notify
        ? e.direction === 'sent'
          ? '  <== close_notify SENT: our write side is closed'
          : '  <== close_notify RECEIVED: the peer closed its write side'
        : `  <== ${level.toUpperCase()} ALERT ${e.direction.toUpperCase()}`;
    return `${arrow} ALERT ${name} (${level}) [length ${e.length}]${note}`;
  }
  if (e.content === 'handshake') return `${arrow} Handshake ${nameOf(HandshakeType, e.code ?? -1)} [length ${e.length}]`;
  if (e.content === 'application_data') return `${arrow} ApplicationData [length ${e.length}]`;
  return `${arrow} ${e.content} [length ${e.length}]`;
}

/** One `-state` line, in the spirit of OpenSSL's info callback: `SSL_connect:write client_hello`. */
export function formatStateLine(role: 'client' | 'server', e: TraceEvent): string | null {
  if (e.content !== 'handshake') return null;
  const fn = role === 'client' ? 'SSL_connect' : 'SSL_accept';
  return `${fn}:${e.direction === 'sent' ? 'write' : 'read'} ${nameOf(HandshakeType, e.code ?? -1)}`;
}

/**
 * Watches one connection's trace and I/O to say, at the end, how it ended: which side sent
 * close_notify first, whether the transport was cut (truncation), or which fatal alert ended it.
 */
export class ConnectionReport {
  /** Application bytes we wrote / read. */
  bytesSent = 0;
  bytesReceived = 0;
  private order: ('sent' | 'received')[] = [];

  /** Feed every trace event of the connection. */
  observe(e: TraceEvent): void {
    if (e.content === 'alert' && e.code === AlertDescription.close_notify) this.order.push(e.direction);
  }

  /** How the connection ended, in one sentence. `error` is the failure that ended it, if any. */
  ending(error: SslErrorInfo | null): string {
    if (error?.reason === 'SSL_R_UNEXPECTED_EOF_WHILE_READING') {
      return 'truncated: the transport closed without a close_notify from the peer';
    }
    if (error?.alert) return `fatal alert ${error.alert.name} ${error.alert.direction} (${error.reason ?? 'no reason'})`;
    if (error) return `failed: ${error.reason ?? 'error'} (${error.message})`;
    const [first] = this.order;
    const sent = this.order.includes('sent');
    const received = this.order.includes('received');
    if (sent && received) return `bidirectional close (${first === 'sent' ? 'we' : 'the peer'} closed first)`;
    if (sent) return 'unidirectional close: we sent close_notify, the peer did not answer';
    if (received) return 'peer closed first: its close_notify arrived, we did not answer';
    return 'no close_notify either way';
  }

  /** The summary block printed when a connection is over. */
  summary(ssl: Ssl, error: SslErrorInfo | null): string[] {
    const lines = [
      '--- connection summary',
      `ended:     ${this.ending(error)}`,
      `flags:     ${shutdownFlagNames(ssl.getShutdown())}`,
      `bytes:     ${this.bytesSent} sent, ${this.bytesReceived} received (application data)`,
      `session:   ${ssl.sessionReused() ? 'reused' : 'new (full handshake)'}`,
    ];
    const cipher = ssl.getCipherName();
    if (cipher) lines.push(`protocol:  ${ssl.getVersion()}, ${cipher}, group ${ssl.getGroupName() ?? 'none'}`);
    lines.push(`peer cert: ${describePeerCertificate(ssl)}`);
    return lines;
  }
}

/**
 * The peer's certificate and its verification in one line, for the summary: the subject, then
 * `verify ok`, or the X509_V_ERR_* result and whether the handshake went on anyway (s_client
 * without -CAfile, s_server without -verify_return_error).
 */
export function describePeerCertificate(ssl: Ssl): string {
  const [leaf] = ssl.getPeerCertificates();
  if (!leaf) return 'none';
  let subject: string;
  try {
    subject = `subject ${parseCertificate(leaf).subject}`;
  } catch {
    subject = '(could not be parsed)';
  }
  const info = ssl.getVerifyInfo();
  if (!info) return `${subject}; ${ssl.sessionReused() ? 'from the resumed session (verified when the session was made)' : 'not verified'}`;
  if (info.code === 0) return `${subject}; verify ok`;
  // A completed handshake with a failed verification went on by choice (no -CAfile on s_client,
  // no -verify_return_error on s_server).
  const wentOn = info.accepted || ssl.isInitFinished();
  return `${subject}; verify ${info.name} (${info.text})${wentOn ? ', NOT enforced: the handshake went on' : ''}`;
}

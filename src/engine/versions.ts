/**
 * Protocol version negotiation (RFC 8446 4.1.3, 4.2.1, D; RFC 7507). The one place that decides
 * which version a connection speaks:
 *
 * - client: the TLS 1.3 machine sends one ClientHello offering every enabled version and, on a
 *   ServerHello without supported_versions, calls `clientAcceptsTls12` and hands over to the
 *   TLS 1.2 machine; a client limited to TLS 1.2 runs the TLS 1.2 machine from the start;
 * - server: `ServerVersionDispatch` reads the first ClientHello, picks the version and starts the
 *   TLS 1.2 or TLS 1.3 server machine with it.
 */
import { equalBytes } from '../crypto/equal-bytes.js';
import { AlertDescription, CipherSuite, ExtensionType, HandshakeType, ProtocolVersion } from '../wire/enums.js';
import { Reason, TlsFailure } from '../wire/errors.js';
import { decodeSupportedVersionsClient } from '../wire/extensions.js';
import { decodeClientHello, findExtension } from '../wire/handshake.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, type ClientHello, type HandshakeMessage, type ServerHello } from '../wire/messages.js';
import type { EngineConfig } from './config.js';
import type { Connection, HandshakeMachine } from './connection.js';
import { Tls12Server } from './tls12/server.js';
import { Tls13Server } from './tls13/server.js';
import { tls12Enabled, tls13Enabled, versionName, versionRange } from './version-range.js';

/**
 * Client: the server answered with a pre-TLS 1.3 ServerHello (no supported_versions). Accepts it
 * when it is TLS 1.2 and TLS 1.2 is enabled; refuses older versions, and refuses a downgrade the
 * server signalled in its random (RFC 8446 4.1.3: a TLS 1.3 client MUST check both sentinels).
 */
export function clientAcceptsTls12(cfg: EngineConfig, sh: ServerHello): void {
  if (sh.legacyVersion !== ProtocolVersion.TLS1_2 || !tls12Enabled(cfg)) {
    const offered = tls12Enabled(cfg) ? 'TLS 1.2 and 1.3 are offered' : 'only TLS 1.3 is offered';
    throw new TlsFailure(AlertDescription.protocol_version, Reason.SSL_R_UNSUPPORTED_PROTOCOL, `server chose ${versionName(sh.legacyVersion)}; ${offered}`);
  }
  if (tls13Enabled(cfg)) {
    const tail = sh.random.subarray(24);
    if (equalBytes(tail, DOWNGRADE_TLS12) || equalBytes(tail, DOWNGRADE_TLS11)) {
      throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_INAPPROPRIATE_FALLBACK, 'the server signalled a downgrade from TLS 1.3 (RFC 8446 4.1.3)');
    }
  }
}

/**
 * Server: the version to speak with this ClientHello. supported_versions, when present, is the
 * only thing that counts (RFC 8446 4.2.1); otherwise legacy_version, where anything at or above
 * 0x0303 means TLS 1.2 (RFC 8446 D.2). TLS_FALLBACK_SCSV from a client that could have offered
 * more is inappropriate_fallback (RFC 7507 3).
 */
export function selectServerVersion(cfg: EngineConfig, hello: ClientHello): number {
  const { min, max } = versionRange(cfg);
  const ext = findExtension(hello.extensions, ExtensionType.supported_versions);
  let chosen: number | null = null;
  let clientMax: number;
  if (ext) {
    const offered = decodeSupportedVersionsClient(ext.data);
    for (const v of [ProtocolVersion.TLS1_3, ProtocolVersion.TLS1_2]) {
      if (chosen === null && v >= min && v <= max && offered.includes(v)) chosen = v;
    }
    clientMax = Math.max(...offered.filter((v) => v <= ProtocolVersion.TLS1_3));
  } else {
    clientMax = Math.min(hello.legacyVersion, ProtocolVersion.TLS1_2);
    if (clientMax === ProtocolVersion.TLS1_2 && min <= ProtocolVersion.TLS1_2) chosen = ProtocolVersion.TLS1_2;
  }
  if (chosen === null) {
    throw new TlsFailure(
      AlertDescription.protocol_version,
      Reason.SSL_R_UNSUPPORTED_PROTOCOL,
      `the client offers at most ${versionName(clientMax)}; typessl speaks ${min === max ? versionName(min) : `${versionName(min)} and ${versionName(max)}`} only`,
    );
  }
  if (chosen < max && hello.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV)) {
    throw new TlsFailure(AlertDescription.inappropriate_fallback, Reason.SSL_R_INAPPROPRIATE_FALLBACK, 'TLS_FALLBACK_SCSV from a client that fell back below our highest version');
  }
  return chosen;
}

/**
 * The server's first machine: waits for the ClientHello, chooses the version and hands the
 * message to the TLS 1.2 or TLS 1.3 server machine, which then replaces it on the connection.
 */
export class ServerVersionDispatch implements HandshakeMachine {
  constructor(private readonly conn: Connection) {}

  start(): void {
    // The server waits for the ClientHello.
  }

  handle(m: HandshakeMessage): void {
    if (m.type !== HandshakeType.client_hello) {
      throw new TlsFailure(AlertDescription.unexpected_message, Reason.SSL_R_UNEXPECTED_MESSAGE, `handshake message ${m.type} before the ClientHello`);
    }
    const hello = decodeClientHello(m.body);
    const version = selectServerVersion(this.conn.config, hello);
    const next = version === ProtocolVersion.TLS1_3 ? new Tls13Server(this.conn) : new Tls12Server(this.conn);
    this.conn.switchMachine(next);
    next.handleFirstClientHello(m, hello);
  }
}

import { MemoryBio } from '../bio/memory.js';
import { SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN, sslErrorName } from '../ssl/constants.js';
import { SslContext } from '../ssl/context.js';
import { Ssl } from '../ssl/ssl.js';
import { describeTraceEvent, shutdownFlagNames } from './trace-format.js';
import { createSelfSignedCertificate } from '../x509/self-signed.js';
import { fingerprint } from '../x509/certificate.js';
import { defaultCryptoProvider } from '../crypto/default.js';

/** Where demo output goes (a function so tests can capture it). */
export type Print = (line: string) => void;

/**
 * The in-process demo behind `npm start`: a server and a client `Ssl` joined by memory BIOs, on an
 * ephemeral self-signed certificate made at start-up. They handshake (TLS 1.3), exchange one
 * message each way, and close with close_notify, printing every step. Returns 0 on success.
 */
export function runDemo(print: Print = console.log): number {
  const provider = defaultCryptoProvider();
  const cert = createSelfSignedCertificate({ provider, commonName: 'localhost' });
  print(`typessl demo: an ephemeral ECDSA P-256 certificate for CN=localhost`);
  print(`  SHA-256 fingerprint ${fingerprint(provider, cert.certificate)}`);

  const serverCtx = new SslContext({ provider, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpnProtocols: ['demo/1'] });
  const clientCtx = new SslContext({ provider, trustedCertificates: cert.certificatePem, alpnProtocols: ['demo/1'] });
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  const c2s = new MemoryBio();
  const s2c = new MemoryBio();
  client.setBio(s2c, c2s);
  server.setBio(c2s, s2c);
  client.setServerName('localhost');
  client.setTrace((e) => print(`  client ${e.direction === 'sent' ? '->' : '<-'} ${describeTraceEvent(e)}`));
  server.setTrace((e) => print(`  server ${e.direction === 'sent' ? '->' : '<-'} ${describeTraceEvent(e)}`));

  print('\n1. Handshake (client.connect() / server.accept(), bytes moved through memory BIOs)');
  let c = -1;
  let s = -1;
  for (let round = 0; round < 10 && (c !== 1 || s !== 1); round++) {
    if (c !== 1) c = client.connect();
    if (s !== 1) s = server.accept();
    for (const [who, ssl, r] of [['client', client, c], ['server', server, s]] as const) {
      const err = ssl.getError(r);
      if (r !== 1 && err !== SSL_ERROR_WANT_READ && err !== SSL_ERROR_WANT_WRITE) {
        print(`  ${who} failed: ${JSON.stringify(ssl.getErrorInfo())}`);
        return 1;
      }
    }
  }
  if (c !== 1 || s !== 1) {
    print('  handshake did not complete');
    return 1;
  }
  print(`  negotiated ${client.getVersion()}, suite ${client.getCipherName()}, group ${client.getGroupName()}, ` +
    `signature ${client.getPeerSignatureSchemeName()}, ALPN ${client.getAlpnSelected()}`);

  print('\n2. One message each way');
  const buf = new Uint8Array(256);
  const send = (who: string, ssl: Ssl, peer: Ssl, text: string): boolean => {
    const n = ssl.write(new TextEncoder().encode(text));
    const got = peer.read(buf);
    if (n <= 0 || got <= 0) return false;
    print(`  ${who} wrote ${n} bytes; peer read "${new TextDecoder().decode(buf.subarray(0, got))}"`);
    return true;
  };
  if (!send('client', client, server, 'hello from the client') || !send('server', server, client, 'hello from the server')) return 1;

  print('\n3. Bidirectional shutdown with close_notify');
  const r1 = client.shutdown();
  print(`  client.shutdown() = ${r1} (${sslErrorName(client.getError(r1))}), flags ${shutdownFlagNames(client.getShutdown())}: close_notify sent`);
  const r2 = server.read(buf);
  const e2 = server.getError(r2);
  print(`  server.read() = ${r2} (${sslErrorName(e2)}), flags ${shutdownFlagNames(server.getShutdown())}: peer closed`);
  const r3 = server.shutdown();
  print(`  server.shutdown() = ${r3}, flags ${shutdownFlagNames(server.getShutdown())}: close_notify answered`);
  const r4 = client.shutdown();
  print(`  client.shutdown() = ${r4}, flags ${shutdownFlagNames(client.getShutdown())}: bidirectional close complete`);
  const ok = r1 === 0 && r2 === 0 && e2 === SSL_ERROR_ZERO_RETURN && r3 === 1 && r4 === 1;
  print(ok ? '\nDone: clean bidirectional close.' : '\nUnexpected shutdown sequence.');
  client.free();
  server.free();
  return ok ? 0 : 1;
}

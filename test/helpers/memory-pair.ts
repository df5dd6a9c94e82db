import { MemoryBio } from '../../src/bio/memory.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { SslContext, type SslContextOptions } from '../../src/ssl/context.js';
import { Ssl } from '../../src/ssl/ssl.js';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../src/x509/self-signed.js';
import { SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE } from '../../src/ssl/constants.js';

let cached: SelfSignedCertificate | null = null;

/** One ephemeral ECDSA certificate per test process. */
export function testCertificate(): SelfSignedCertificate {
  cached ??= createSelfSignedCertificate({ provider: nodeCrypto });
  return cached;
}

/** A client and a server `Ssl`, each with its own memory BIOs (the "wires" between them). */
export interface MemoryPair {
  client: Ssl;
  server: Ssl;
  clientIn: MemoryBio;
  clientOut: MemoryBio;
  serverIn: MemoryBio;
  serverOut: MemoryBio;
  /** Moves all bytes written so far to the other side; returns the number moved. */
  transfer(): number;
  /** Runs connect/accept with transfers until both finish (throws if it stalls). */
  handshake(): void;
}

export function memoryPair(clientOpts: SslContextOptions = {}, serverOpts: SslContextOptions = {}): MemoryPair {
  const cert = testCertificate();
  // No tickets unless asked for: tests here count and forge records after the handshake.
  const serverCtx = new SslContext({ provider: nodeCrypto, certificate: cert.certificatePem, privateKey: cert.privateKeyPem, numTickets: 0, ...serverOpts });
  const clientCtx = new SslContext({ provider: nodeCrypto, trustedCertificates: cert.certificatePem, ...clientOpts });
  const client = new Ssl(clientCtx);
  const server = new Ssl(serverCtx);
  const clientIn = new MemoryBio();
  const clientOut = new MemoryBio();
  const serverIn = new MemoryBio();
  const serverOut = new MemoryBio();
  client.setBio(clientIn, clientOut);
  server.setBio(serverIn, serverOut);
  client.setConnectState();
  server.setAcceptState();
  client.setServerName('localhost');
  const transfer = (): number => {
    let n = 0;
    if (clientOut.pending() > 0) {
      const d = clientOut.drain();
      n += d.length;
      serverIn.write(d);
    }
    if (serverOut.pending() > 0) {
      const d = serverOut.drain();
      n += d.length;
      clientIn.write(d);
    }
    return n;
  };
  const handshake = (): void => {
    let c = 0;
    let s = 0;
    for (let i = 0; i < 20 && (c !== 1 || s !== 1); i++) {
      if (c !== 1) c = client.doHandshake();
      if (s !== 1) s = server.doHandshake();
      transfer();
      for (const [ssl, r] of [[client, c], [server, s]] as const) {
        if (r !== 1) {
          const e = ssl.getError(r);
          if (e !== SSL_ERROR_WANT_READ && e !== SSL_ERROR_WANT_WRITE) throw new Error(`handshake failed: ${JSON.stringify(ssl.getErrorInfo())}`);
        }
      }
    }
    if (c !== 1 || s !== 1) throw new Error('handshake did not finish');
  };
  return { client, server, clientIn, clientOut, serverIn, serverOut, transfer, handshake };
}

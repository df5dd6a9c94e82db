import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ClientProcess, PeerServer } from '../../bench/driver.js';
import type { HandshakeResult, Mark } from '../../bench/peer.js';
import { nodeCrypto } from '../../src/crypto/node.js';
import { createSelfSignedCertificate } from '../../src/x509/self-signed.js';

// A handshake arm keeps one client process through its alternating runs (handshake.ts): the
// first run waits for the client's warm-up, each later one measures the same process again.
test('bench driver: a kept handshake client process measures run after run, warming up once, each run bracketed by server marks', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'typessl-bench-driver-'));
  const cert = createSelfSignedCertificate({ provider: nodeCrypto, keyKind: 'ec-p256', commonName: 'localhost', dnsNames: ['localhost'] });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, cert.certificatePem);
  writeFileSync(keyFile, cert.privateKeyPem);
  const server = await PeerServer.start({ role: 'server', impl: 'typessl', suite: 'tls13-aes128gcm', task: 'handshake', certFile, keyFile });
  const client = ClientProcess.start(
    { role: 'client', impl: 'typessl', suite: 'tls13-aes128gcm', task: 'handshake', certFile, keyFile, port: server.port, loops: 1, durationMs: 150, warmupMs: 50 },
    30_000,
  );
  try {
    const marks: Mark[] = [];
    const results: HandshakeResult[] = [];
    for (let run = 0; run < 3; run++) {
      results.push(
        await client.run<HandshakeResult>(async () => {
          marks.push(await server.mark());
        }),
      );
      marks.push(await server.mark());
    }
    for (const [i, r] of results.entries()) {
      assert.equal(r.event, 'result', `run ${i}: a result, not another warm-up report`);
      assert.equal(r.version, 'TLSv1.3');
      assert.ok(r.count > 0 && r.ms >= 150 && r.cpuUs > 0, `run ${i}: ${JSON.stringify(r)}`);
      // The server did work between the marks around each run: the handshakes of that run.
      assert.ok(marks[2 * i + 1]!.cpuUs > marks[2 * i]!.cpuUs, `run ${i}: server CPU between its marks`);
    }
  } finally {
    await client.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

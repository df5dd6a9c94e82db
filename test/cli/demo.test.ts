import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('typessl demo (npm start) handshakes, exchanges a message each way and closes cleanly', () => {
  const out = execFileSync(process.execPath, [main, 'demo'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(out, /negotiated TLSv1\.3, suite TLS_AES_128_GCM_SHA256, group x25519, signature ecdsa_secp256r1_sha256/);
  assert.match(out, /client -> client_hello/);
  assert.match(out, /server -> certificate_verify/);
  assert.match(out, /peer read "hello from the client"/);
  assert.match(out, /peer read "hello from the server"/);
  assert.match(out, /client -> alert close_notify \(warning\)/);
  assert.match(out, /client\.shutdown\(\) = 0 .*flags SENT_SHUTDOWN:/);
  assert.match(out, /server\.read\(\) = 0 \(SSL_ERROR_ZERO_RETURN\)/);
  assert.match(out, /client\.shutdown\(\) = 1, flags SENT_SHUTDOWN\|RECEIVED_SHUTDOWN/);
  assert.match(out, /Done: clean bidirectional close\./);
});

test('typessl with an unknown command exits 2 with a usage line', () => {
  assert.throws(
    () => execFileSync(process.execPath, [main, 'frobnicate'], { encoding: 'utf8', stdio: 'pipe' }),
    (e: { status?: number; stderr?: string }) => e.status === 2 && /usage: typessl/.test(e.stderr ?? ''),
  );
});

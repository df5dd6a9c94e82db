import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('typessl demo (npm start) tells the story: handshake, data, bidirectional close, resumption, eviction', () => {
  const out = execFileSync(process.execPath, [main, 'demo'], { encoding: 'utf8', timeout: 60_000 });
  // 1. A full handshake over TCP on 127.0.0.1, drawn message by message.
  assert.match(out, /server \(127\.0\.0\.1:\d+\)/);
  assert.match(out, /─ client_hello ─+▶│/);
  assert.match(out, /◀─+ certificate_verify ─/);
  assert.match(out, /connect\(\) = 1: TLSv1\.3, TLS_AES_128_GCM_SHA256, group x25519, server signed with ecdsa_secp256r1_sha256, ALPN demo\/1/);
  // 2. Data.
  assert.match(out, /read\(\) -> "hello from the client"/);
  assert.match(out, /read\(\) -> "hello from the server"/);
  // 3. The two-step shutdown with its return values and flags.
  assert.match(out, /─ alert close_notify \(warning\) ─+▶│/);
  assert.match(out, /client: shutdown\(\) = 0, flags SENT_SHUTDOWN:/);
  assert.match(out, /server: read\(\) = 0 \(SSL_ERROR_ZERO_RETURN\), flags RECEIVED_SHUTDOWN/);
  assert.match(out, /server: shutdown\(\) = 1, flags SENT_SHUTDOWN\|RECEIVED_SHUTDOWN/);
  assert.match(out, /client: shutdown\(\) = 1, flags SENT_SHUTDOWN\|RECEIVED_SHUTDOWN: .*bidirectional close complete/);
  assert.match(out, /getSession\(\)\.isResumable\(\) = true/);
  // 4. The kept session is resumed: no certificate in that handshake.
  const resumed = out.slice(out.indexOf('4. '), out.indexOf('5. '));
  assert.match(resumed, /sessionReused\(\) = true; server sessionReused\(\) = true/);
  assert.doesNotMatch(resumed, /─ certificate(_verify)? ─/);
  // 5. free() without shutdown evicts the session; offering it again gets a full handshake.
  const unclean = out.slice(out.indexOf('5. '));
  assert.match(unclean, /client: free\(\) with flags 0/);
  assert.match(unclean, /remove-session callback \(session evicted\)/);
  assert.match(unclean, /isResumable\(\) = false: evicted/);
  assert.match(unclean, /sessionReused\(\) = false/);
  assert.doesNotMatch(out, /!! unexpected/);
  assert.match(out, /Done: clean bidirectional close, session resumed, unclean close evicted\./);
});

test('typessl with an unknown command exits 2 with a usage line', () => {
  assert.throws(
    () => execFileSync(process.execPath, [main, 'frobnicate'], { encoding: 'utf8', stdio: 'pipe' }),
    (e: { status?: number; stderr?: string }) => e.status === 2 && /usage: typessl/.test(e.stderr ?? ''),
  );
});

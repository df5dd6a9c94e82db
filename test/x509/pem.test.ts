import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64Decode, base64Encode, pemDecode, pemEncode } from '../../src/x509/pem.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

test('base64 matches Buffer for arbitrary bytes, and decodes back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      const text = base64Encode(data);
      assert.equal(text, Buffer.from(data).toString('base64'));
      assert.deepEqual(base64Decode(text), data);
    }),
    { numRuns: 500 },
  );
});

test('base64 RFC 4648 section 10 vectors', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of vectors) {
    const data = new TextEncoder().encode(plain);
    assert.equal(base64Encode(data), encoded);
    assert.deepEqual(base64Decode(encoded), data);
  }
});

test('base64 decoding is strict', () => {
  for (const bad of ['Zg', 'Zg=', 'Zm9', 'Z===', '====', 'Zg==Zg==', 'Zm=v', 'Zh==', 'Zm9=x===', 'Zm8_', 'Zm8-', 'Zm 9v', 'Zé==']) {
    assert.throws(() => base64Decode(bad), /base64/, `should reject ${JSON.stringify(bad)}`);
  }
  // Non-zero bits under the padding: 'Zh==' and 'Zm9=' would decode to the same bytes as 'Zg==' / 'Zm8='.
  assert.throws(() => base64Decode('Zm9='), /padding/);
});

test('pemEncode writes 64-column lines and a final newline', () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);
  const pem = pemEncode('CERTIFICATE', der);
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  // 100 bytes are 136 base64 characters: 64 + 64 + 8.
  assert.deepEqual(lines.slice(1, 4).map((l) => l.length), [64, 64, 8]);
  assert.equal(lines[4], '-----END CERTIFICATE-----');
  assert.equal(lines[5], '');
  assert.equal(lines.length, 6);
  assert.equal(lines.slice(1, 4).join(''), Buffer.from(der).toString('base64'));
  // An exact multiple of 48 bytes fills whole lines with no empty line before END.
  const full = pemEncode('X', new Uint8Array(96)).split('\n');
  assert.deepEqual(full.map((l) => l.length), [17, 64, 64, 15, 0]);
  assert.equal(pemEncode('EMPTY THING', new Uint8Array(0)), '-----BEGIN EMPTY THING-----\n-----END EMPTY THING-----\n');
});

test('pemEncode refuses labels PEM cannot carry', () => {
  for (const label of ['', 'A--B', '-A', 'A ', 'A\nB', 'CERT-----']) {
    assert.throws(() => pemEncode(label, bytes(1)), /label/, label);
  }
});

test('pemEncode/pemDecode round-trip any bytes and labels', () => {
  const label = fc.stringMatching(/^[A-Z0-9]([ -]?[A-Z0-9]){0,20}$/);
  fc.assert(
    fc.property(label, fc.uint8Array({ maxLength: 500 }), (l, der) => {
      assert.deepEqual(pemDecode(pemEncode(l, der)), [{ label: l, der }]);
    }),
    { numRuns: 300 },
  );
});

test('pemDecode returns every block in order and skips text between them', () => {
  const text =
    'Subject: CN=example\nissuer= whatever: text\n' +
    pemEncode('CERTIFICATE', bytes(1, 2, 3)) +
    'Bag Attributes\n    localKeyID: 01 02\n' +
    pemEncode('PRIVATE KEY', bytes(4, 5)) +
    pemEncode('CERTIFICATE', bytes(6)) +
    'trailing words\n';
  assert.deepEqual(pemDecode(text), [
    { label: 'CERTIFICATE', der: bytes(1, 2, 3) },
    { label: 'PRIVATE KEY', der: bytes(4, 5) },
    { label: 'CERTIFICATE', der: bytes(6) },
  ]);
});

test('pemDecode accepts CRLF, indentation and short lines', () => {
  const data = Uint8Array.from({ length: 70 }, (_, i) => 255 - i);
  const b64 = base64Encode(data);
  const crlf = `-----BEGIN DATA-----\r\n${b64.slice(0, 10)}\r\n  ${b64.slice(10, 50)}\t\r\n${b64.slice(50)}\r\n-----END DATA-----\r\n`;
  assert.deepEqual(pemDecode(crlf), [{ label: 'DATA', der: data }]);
});

test('pemDecode gives clear errors for garbage', () => {
  const good = pemEncode('CERTIFICATE', bytes(1, 2, 3, 4, 5));
  const cases: [string, RegExp][] = [
    ['', /no "-----BEGIN/],
    ['just some text\n', /no "-----BEGIN/],
    [good.replace('-----END CERTIFICATE-----\n', ''), /no END line/],
    [good.replace('END CERTIFICATE', 'END X509 CRL'), /does not match/],
    [good.replace('AQIDBAU=', 'AQID*AU='), /invalid character/],
    [good.replace('AQIDBAU=', 'AQIDBAU'), /multiple of 4/],
    [good.replace('AQIDBAU=', 'AQIDBAV='), /padding/],
    [good.replace('AQIDBAU=', 'Proc-Type: 4,ENCRYPTED\nAQIDBAU='), /header/],
    [good.replace('AQIDBAU=', '-----BEGIN CERTIFICATE-----\nAQIDBAU='), /unexpected/],
    [good + good.replace('-----END CERTIFICATE-----\n', ''), /line 4 has no END line/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => pemDecode(text), (err: unknown) => err instanceof Error && err.message.startsWith('PEM') && message.test(err.message), JSON.stringify(text));
  }
});

test('pemDecode never throws anything but a PEM Error on random text', () => {
  const pemish = fc.array(
    fc.oneof(
      fc.constantFrom('-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', '-----BEGIN X-----', '\n', '\r\n', '=', ':'),
      fc.base64String({ maxLength: 40 }),
      fc.string({ maxLength: 10 }),
    ),
    { maxLength: 30 },
  );
  fc.assert(
    fc.property(pemish, (parts) => {
      try {
        const blocks = pemDecode(parts.join(''));
        assert.ok(blocks.length > 0);
      } catch (err) {
        assert.ok(err instanceof Error && err.message.startsWith('PEM: '), String(err));
      }
    }),
    { numRuns: 1000 },
  );
});

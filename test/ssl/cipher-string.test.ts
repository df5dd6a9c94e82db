/**
 * OpenSSL cipher strings for the TLS 1.2 list (SslContext `cipherList` / `setCipherList`): the
 * reference is the real `openssl ciphers -tls1_2 STRING` (a child process, OpenSSL 3.x), whose
 * output, kept to the suites typessl implements, must equal typessl's list in content and order.
 * Then what typessl does on purpose differently (typos, an empty result, @SECLEVEL above 3, ...)
 * and the list in a handshake.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import tls from 'node:tls';
import { nodeCrypto } from '../../src/crypto/node.js';
import { suiteInfo, TLS12_SUITES } from '../../src/crypto/suites.js';
import { evaluateCipherString, parseCipherList } from '../../src/ssl/cipher-string.js';
import { SslContext } from '../../src/ssl/context.js';
import { memoryPair } from '../helpers/memory-pair.js';

const TYPESSL_NAMES = new Set(TLS12_SUITES.map((id) => suiteInfo(id)!.opensslName));

/** OpenSSL's TLS 1.2 list for `spec`, kept to typessl's suites (null when OpenSSL refuses the string). */
function opensslList(spec: string): string[] | null {
  try {
    // `--`: a string starting with '-' is not an option.
    const out = execFileSync('openssl', ['ciphers', '-tls1_2', '--', spec], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    return out.split(':').filter((name) => TYPESSL_NAMES.has(name));
  } catch {
    return null;
  }
}

const names = (ids: number[]): string[] => ids.map((id) => suiteInfo(id)!.opensslName);

/** typessl's list for `spec` by name, [] when it throws "no cipher suite ... matches". */
function typesslList(spec: string): string[] {
  try {
    return names(evaluateCipherString(spec));
  } catch (e) {
    if ((e as Error).message.startsWith('no cipher suite typessl implements matches')) return [];
    throw e;
  }
}

const SAME_AS_OPENSSL = [
  'HIGH:!aNULL',
  'ECDHE+AESGCM:ECDHE+CHACHA20',
  '-ALL:ECDHE-RSA-AES256-GCM-SHA384',
  'AESGCM:+AES128',
  'ALL:@STRENGTH',
  'CHACHA20:AES128:!ECDSA',
  'DEFAULT',
  'DEFAULT:!ECDSA',
  'DEFAULT+AES128',
  'ALL:-AES256:AES256',
  'ALL:!AES256:AES256',
  'ECDHE:-ECDSA:ECDSA',
  'ALL;!RSA,AES',
  'ALL !aRSA',
  'EECDH+ECDSA:EECDH+aRSA',
  'kEECDH+AES256:kECDHE+CHACHA20',
  'CHACHA20+aRSA:AESGCM',
  'ALL+AES128',
  'FIPS',
  'HIGH+FIPS:CHACHA20',
  'TLSv1.2+AES256:SHA384:SHA256:AES128',
  'ECDHE-ECDSA-AES128-GCM-SHA256:AES128-SHA:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-CHACHA20-POLY1305',
  'AESGCM+ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256+AESGCM',
  'ALL:!COMPLEMENTOFDEFAULT:!eNULL:+ECDSA',
  'ALL:COMPLEMENTOFALL:-CHACHA20:+AES256:CHACHA20:@STRENGTH',
  '@SECLEVEL=2:HIGH:!MEDIUM:!LOW:!3DES:!RC4:!EXPORT',
  'aRSA:-AESGCM:aECDSA:AESGCM',
  '!aNULL:HIGH',
  'AES128:CHACHA20:@STRENGTH:+aRSA',
  '-ALL:+ECDSA:ECDSA:-AES256:AESGCM',
  'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256',
  // OpenSSL quirks: the first strength class replaces COMPLEMENTOFDEFAULT; A+B ending in a name is that suite.
  'COMPLEMENTOFDEFAULT+HIGH:COMPLEMENTOFDEFAULT+ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-CHACHA20-POLY1305+HIGH:AESGCM+ECDHE-RSA-AES128-GCM-SHA256',
  // Mozilla's "intermediate" configuration.
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
];

describe('cipher strings: the same list as openssl ciphers -tls1_2', () => {
  test('the suites typessl implements are all in OpenSSL, in the order OpenSSL starts from', () => {
    assert.deepEqual(typesslList('ALL'), opensslList('ALL'));
    assert.equal(typesslList('ALL').length, TLS12_SUITES.length);
  });
  for (const spec of SAME_AS_OPENSSL) {
    test(spec, () => {
      const expected = opensslList(spec);
      assert.ok(expected && expected.length > 0, `openssl takes "${spec}" and lists some of typessl's suites`);
      assert.deepEqual(typesslList(spec), expected);
    });
  }
  test("node's tls.DEFAULT_CIPHERS: its TLS 1.2 part (as node:tls splits it) gives OpenSSL's list", () => {
    const tls12 = tls.DEFAULT_CIPHERS.split(':').filter((entry) => !entry.startsWith('TLS_')).join(':');
    // openssl ignores the TLS_ names in a cipher list, so the whole string is the reference.
    assert.deepEqual(typesslList(tls12), opensslList(tls.DEFAULT_CIPHERS));
    assert.equal(typesslList(tls12).length, TLS12_SUITES.length);
  });
  test('strings that leave none of typessl\'s suites in OpenSSL leave none here (an error)', () => {
    for (const spec of ['kRSA', 'RSA', 'AES128-SHA', 'DHE+AESGCM', 'SHA384', 'ALL:!ALL', 'ECDSA+RSA', 'MEDIUM', 'TLSv1', 'COMPLEMENTOFDEFAULT', 'eNULL:aNULL', 'HIGH+COMPLEMENTOFDEFAULT', 'TLSv1+ECDHE-ECDSA-CHACHA20-POLY1305']) {
      const expected = opensslList(spec);
      assert.ok(expected === null || expected.length === 0, spec);
      assert.throws(() => evaluateCipherString(spec), (e: Error) => e.message.startsWith(`no cipher suite typessl implements matches "${spec}"`), spec);
    }
  });
  test('200 generated strings (prefixes, A+B+C, @STRENGTH, DEFAULT) give OpenSSL\'s list', () => {
    const words = ['ALL', 'HIGH', 'MEDIUM', 'ECDHE', 'EECDH', 'kECDHE', 'aECDSA', 'ECDSA', 'aRSA', 'RSA', 'kRSA', 'AESGCM', 'AES', 'AES128', 'AES256', 'CHACHA20', 'SHA256', 'SHA384', 'TLSv1.2', 'aNULL', 'eNULL', 'COMPLEMENTOFDEFAULT', 'COMPLEMENTOFALL', 'FIPS', 'DHE', 'SHA1', 'ECDH', 'EDH', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'AES128-SHA', 'DHE-RSA-AES256-GCM-SHA384', 'TLSv1', 'EXPORT'];
    let seed = 20240;
    const pick = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      const elements = pick(5) === 0 ? ['DEFAULT'] : [];
      for (let j = 1 + pick(6); j > 0; j--) {
        if (pick(10) === 0) elements.push('@STRENGTH');
        else elements.push(['', '', '!', '-', '+'][pick(5)]! + Array.from({ length: 1 + pick(3) }, () => words[pick(words.length)]).join('+'));
      }
      const spec = elements.join(':');
      assert.deepEqual(typesslList(spec), opensslList(spec) ?? [], spec);
    }
  });
});

describe('cipher strings: what typessl refuses (OpenSSL ignores typos)', () => {
  test('a typo is an error naming it; a wrong case says which name was meant', () => {
    assert.ok(opensslList('HIHG:ECDHE-RSA-AES128-GCM-SHA256'), 'openssl silently ignores the typo');
    assert.throws(() => evaluateCipherString('HIHG:ECDHE-RSA-AES128-GCM-SHA256'), /unknown cipher suite or keyword "HIHG" in cipher list "HIHG:ECDHE-RSA-AES128-GCM-SHA256"/);
    assert.throws(() => evaluateCipherString('ECDHE+AESGMC'), /unknown cipher suite or keyword "AESGMC"/);
    assert.throws(() => evaluateCipherString('ECDHE-RSA-AES128-GCM-SHA257'), /"ECDHE-RSA-AES128-GCM-SHA257"/);
    assert.throws(() => evaluateCipherString('high:!anull'), /"high" .*did you mean "HIGH"/);
  });
  test('an empty result, an empty string and a bad element are errors', () => {
    assert.throws(() => evaluateCipherString(''), /no cipher suite typessl implements matches ""/);
    assert.throws(() => evaluateCipherString('AES128-SHA'), /no RSA key transport, CBC, NULL, export or anonymous suites/);
    assert.throws(() => evaluateCipherString('ECDHE+'), /empty name in "ECDHE\+"/);
    assert.throws(() => evaluateCipherString('ALL:!'), /empty name in "!"/);
    assert.throws(() => evaluateCipherString('ALL:$'), /invalid characters in "\$"/);
    assert.equal(opensslList('ECDHE+'), null, 'openssl refuses it too');
  });
  test('@ commands: @STRENGTH, @SECLEVEL=0..3 accepted (no effect), 4 and 5 refused, others errors', () => {
    assert.deepEqual(typesslList('@SECLEVEL=3:AES128:AES256'), typesslList('AES128:AES256'));
    assert.deepEqual(typesslList('AES128:@SECLEVEL=0:AES256'), typesslList('AES128:AES256'));
    assert.throws(() => evaluateCipherString('@SECLEVEL=4:ALL'), /@SECLEVEL=4 .*not supported/);
    assert.throws(() => evaluateCipherString('ALL:@SECLEVEL=9'), /security levels go from 0 to 5/);
    assert.throws(() => evaluateCipherString('ALL:@FOO'), /unknown command "@FOO"/);
    assert.equal(opensslList('ALL:@FOO'), null);
  });
  test('TLS 1.3 names, DEFAULT after the start and Suite B are errors that say why', () => {
    assert.throws(() => evaluateCipherString('TLS_AES_128_GCM_SHA256'), /TLS_AES_128_GCM_SHA256 .* is a TLS 1\.3 suite: TLS 1\.3 suites are set with ciphersuites/);
    assert.throws(() => evaluateCipherString('HIGH:DEFAULT'), /DEFAULT .* is a keyword only at the start/);
    assert.throws(() => evaluateCipherString('SUITEB128'), /Suite B mode/);
  });
  test("keywords OpenSSL 3.0 dropped (node's !EXPORT, !DES) select nothing; IANA names of typessl's suites work", () => {
    assert.deepEqual(typesslList('ALL:!EXPORT:!DES:!EXP:!kDH'), typesslList('ALL'));
    assert.deepEqual(names(evaluateCipherString('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256')), ['ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
  });
});

describe('cipher lists in SslContext', () => {
  test('code points are taken as they are; an empty array is no TLS 1.2 suite; a non-TLS 1.2 code point is an error', () => {
    assert.deepEqual(parseCipherList([0xc030, 0xc02b]), [0xc030, 0xc02b]);
    assert.deepEqual(parseCipherList([]), []);
    assert.throws(() => parseCipherList([0x1301]), /0x1301 is not a TLS 1\.2 suite typessl implements/);
    assert.throws(() => parseCipherList([0x002f]), /0x2f is not a TLS 1\.2 suite/);
  });
  test('ciphersuites holds TLS 1.3 suites only: a TLS 1.2 name or code point there is an error', () => {
    assert.throws(() => new SslContext({ provider: nodeCrypto, ciphersuites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }), /is a TLS 1\.2 suite: ciphersuites holds the TLS 1\.3 ones/);
    assert.throws(() => new SslContext({ provider: nodeCrypto, ciphersuites: [0xc02f] }), /0xc02f is not a TLS 1\.3 suite/);
    new SslContext({ provider: nodeCrypto, ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256' });
  });
  test('cipherList and setCipherList take cipher strings; a TLS 1.2 handshake uses the first suite both have', () => {
    assert.throws(() => new SslContext({ provider: nodeCrypto, cipherList: 'HIHG' }), /"HIHG"/);
    const ctx = new SslContext({ provider: nodeCrypto, cipherList: 'HIGH:!aNULL' });
    ctx.setCipherList('ECDHE+CHACHA20:ECDHE+AESGCM');
    assert.throws(() => ctx.setCipherList('kRSA'), /no cipher suite typessl implements matches "kRSA"/);
    const p = memoryPair({ maxVersion: 'TLSv1.2', cipherList: 'ECDHE+CHACHA20:ECDHE+AESGCM' }, { cipherList: '-ALL:ECDHE-ECDSA-AES256-GCM-SHA384:CHACHA20' });
    p.handshake();
    // The server picks in the client's order (no server preference): ChaCha20 first.
    assert.equal(p.client.getCipherName(), 'ECDHE-ECDSA-CHACHA20-POLY1305');
    assert.equal(p.server.getCipherName(), 'ECDHE-ECDSA-CHACHA20-POLY1305');
  });
});

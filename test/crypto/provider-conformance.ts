import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash as nodeCreateHash, createHmac, createPrivateKey, generateKeyPairSync, hkdfSync, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { nodeCrypto } from '../../src/crypto/node.js';
import { schemeHash, schemeInfo, schemesForKey } from '../../src/crypto/schemes.js';
import type { AeadAlgorithm, CryptoProvider, HashAlgorithm, PrivateKey } from '../../src/crypto/provider.js';
import { AlertDescription, NamedGroup, SignatureScheme } from '../../src/wire/enums.js';
import { Reason, TlsFailure } from '../../src/wire/errors.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

function isFailure(alert: number, reason: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TlsFailure && e.alert === alert && e.reason === reason;
}

/**
 * The conformance suite every CryptoProvider must pass: RFC vectors for each primitive, the key
 * formats, every signature scheme with cross-checks against node:crypto (OpenSSL) as reference,
 * and the errors the engine relies on. Run from one small test file per provider.
 */
export function runProviderConformance(p: CryptoProvider): void {
  describe(`CryptoProvider conformance: ${p.name}`, () => {
    // ---------------------------------------------------------------------------------------------
    // Hashes, HMAC, HKDF

    test('hash lengths and incremental hash with copy()', () => {
      assert.equal(p.hashLength('sha256'), 32);
      assert.equal(p.hashLength('sha384'), 48);
      assert.equal(p.hashLength('sha512'), 64);
      for (const alg of ['sha256', 'sha384', 'sha512'] as HashAlgorithm[]) {
        const h = p.createHash(alg);
        h.update(ascii('hello '));
        const fork = h.copy();
        h.update(ascii('world'));
        fork.update(ascii('there'));
        assert.equal(toHex(h.digest()), nodeCreateHash(alg).update('hello world').digest('hex'));
        assert.equal(toHex(fork.digest()), nodeCreateHash(alg).update('hello there').digest('hex'));
        assert.equal(toHex(p.digest(alg, ascii('abc'))), nodeCreateHash(alg).update('abc').digest('hex'));
      }
      // FIPS 180-2 "abc" vector for SHA-256, independent of node's own createHash.
      assert.equal(toHex(p.digest('sha256', ascii('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    test('HMAC: RFC 4231 test case 2 (SHA-256/384/512)', () => {
      const key = ascii('Jefe');
      const data = ascii('what do ya want for nothing?');
      assert.equal(toHex(p.hmac('sha256', key, data)), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
      assert.equal(
        toHex(p.hmac('sha384', key, data)),
        'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      );
      assert.equal(
        toHex(p.hmac('sha512', key, data)),
        '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554' +
          '9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
      );
    });

    const hkdfCases = [
      {
        name: 'RFC 5869 A.1 (basic)',
        ikm: hex('0b'.repeat(22)),
        salt: range(0x00, 0x0c),
        info: range(0xf0, 0xf9),
        length: 42,
        prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
        okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
      },
      {
        name: 'RFC 5869 A.2 (long inputs)',
        ikm: range(0x00, 0x4f),
        salt: range(0x60, 0xaf),
        info: range(0xb0, 0xff),
        length: 82,
        prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
        okm:
          'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
          '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
          'cc30c58179ec3e87c14c01d5c1f3434f1d87',
      },
      {
        name: 'RFC 5869 A.3 (empty salt and info)',
        ikm: hex('0b'.repeat(22)),
        salt: new Uint8Array(0),
        info: new Uint8Array(0),
        length: 42,
        prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
        okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
      },
    ];

    for (const c of hkdfCases) {
      test(`HKDF-SHA256: ${c.name}`, () => {
        const prk = p.hkdfExtract('sha256', c.salt, c.ikm);
        assert.equal(toHex(prk), c.prk);
        const okm = p.hkdfExpand('sha256', prk, c.info, c.length);
        assert.equal(okm.length, c.length);
        assert.equal(toHex(okm), c.okm);
        // Every prefix length gives the matching prefix (covers the single-block fast path).
        for (const n of [1, 31, 32, 33]) assert.equal(toHex(p.hkdfExpand('sha256', prk, c.info, n)), c.okm.slice(0, 2 * n));
      });
    }

    test('HKDF-Expand: zero length, the 255*HashLen limit, and out-of-range lengths', () => {
      const prk = hex('07'.repeat(32));
      assert.equal(p.hkdfExpand('sha256', prk, new Uint8Array(0), 0).length, 0);
      assert.equal(p.hkdfExpand('sha256', prk, new Uint8Array(0), 255 * 32).length, 255 * 32);
      assert.throws(() => p.hkdfExpand('sha256', prk, new Uint8Array(0), 255 * 32 + 1), RangeError);
      assert.throws(() => p.hkdfExpand('sha256', prk, new Uint8Array(0), -1), RangeError);
      assert.throws(() => p.hkdfExpand('sha384', prk, new Uint8Array(0), 1.5), RangeError);
    });

    test('HMAC property: equals node createHmac for every hash, keys around the block size, short and long messages', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<HashAlgorithm>('sha256', 'sha384', 'sha512'),
          // Block sizes are 64 and 128: keys below, at and above them (longer keys are hashed first).
          fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(63, 64, 65, 127, 128, 129).map((n) => new Uint8Array(n).fill(0xa5))),
          fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 850, maxLength: 1200 })),
          (hash, key, data) => {
            assert.equal(toHex(p.hmac(hash, key, data)), createHmac(hash, key).update(data).digest('hex'));
          },
        ),
        { numRuns: 300 },
      );
    });

    test('HKDF property: Extract+Expand equals node hkdfSync for every hash and length (multi-block too)', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<HashAlgorithm>('sha256', 'sha384', 'sha512'),
          fc.uint8Array({ maxLength: 80 }),
          fc.uint8Array({ maxLength: 80 }),
          fc.uint8Array({ maxLength: 80 }),
          fc.integer({ min: 1, max: 300 }),
          (hash, ikm, salt, info, length) => {
            const okm = p.hkdfExpand(hash, p.hkdfExtract(hash, salt, ikm), info, length);
            assert.equal(toHex(okm), Buffer.from(hkdfSync(hash, ikm, salt, info, length)).toString('hex'));
          },
        ),
        { numRuns: 300 },
      );
    });

    // ---------------------------------------------------------------------------------------------
    // AEAD

    const aeadVectors: { name: string; alg: AeadAlgorithm; key: string; nonce: string; aad: string; pt: string; ct: string; tag: string }[] = [
      {
        name: 'AES-128-GCM, GCM spec Test Case 3',
        alg: 'aes-128-gcm',
        key: 'feffe9928665731c6d6a8f9467308308',
        nonce: 'cafebabefacedbaddecaf888',
        aad: '',
        pt:
          'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
          '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
        ct:
          '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
          '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
        tag: '4d5c2af327cd64a62cf35abd2ba6fab4',
      },
      {
        name: 'AES-128-GCM, GCM spec Test Case 4 (with AAD)',
        alg: 'aes-128-gcm',
        key: 'feffe9928665731c6d6a8f9467308308',
        nonce: 'cafebabefacedbaddecaf888',
        aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
        pt:
          'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
          '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
        ct:
          '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
          '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
        tag: '5bc94fbc3221a5db94fae95ae7121a47',
      },
      {
        name: 'AES-256-GCM, GCM spec Test Case 16 (with AAD)',
        alg: 'aes-256-gcm',
        key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
        nonce: 'cafebabefacedbaddecaf888',
        aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
        pt:
          'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
          '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
        ct:
          '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
          '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
        tag: '76fc6ece0f4e1768cddf8853bb2d551b',
      },
      {
        name: 'ChaCha20-Poly1305, RFC 8439 2.8.2',
        alg: 'chacha20-poly1305',
        key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
        nonce: '070000004041424344454647',
        aad: '50515253c0c1c2c3c4c5c6c7',
        pt: Buffer.from(
          "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
          'latin1',
        ).toString('hex'),
        ct:
          'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6' +
          '3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
          '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
          '3ff4def08e4b7a9de576d26586cec64b6116',
        tag: '1ae10b594f09e26a7e902ecbd0600691',
      },
    ];

    for (const v of aeadVectors) {
      test(`AEAD vector: ${v.name}`, () => {
        const aead = p.createAead(v.alg, hex(v.key));
        assert.equal(aead.algorithm, v.alg);
        assert.equal(aead.tagLength, 16);
        const sealed = aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt));
        assert.equal(toHex(sealed), v.ct + v.tag);
        const opened = aead.open(hex(v.nonce), hex(v.aad), hex(v.ct + v.tag));
        assert.ok(opened);
        assert.equal(toHex(opened), v.pt);
      });

      test(`AEAD open rejects tampering: ${v.name}`, () => {
        const aead = p.createAead(v.alg, hex(v.key));
        const nonce = hex(v.nonce);
        const aad = hex(v.aad.length ? v.aad : '00');
        const sealed = aead.seal(nonce, aad, hex(v.pt));
        const flip = (b: Uint8Array, i: number): Uint8Array => {
          const c = Uint8Array.from(b);
          c[i]! ^= 0x01;
          return c;
        };
        assert.equal(aead.open(nonce, flip(aad, 0), sealed), null, 'flipped AAD bit');
        assert.equal(aead.open(nonce, aad, flip(sealed, 0)), null, 'flipped ciphertext bit');
        assert.equal(aead.open(nonce, aad, flip(sealed, sealed.length - 1)), null, 'flipped tag bit');
        assert.equal(aead.open(flip(nonce, 11), aad, sealed), null, 'other nonce');
        assert.equal(aead.open(nonce, aad, sealed.subarray(0, sealed.length - 1)), null, 'truncated');
        assert.equal(aead.open(nonce, aad, new Uint8Array(15)), null, 'shorter than the tag');
        assert.equal(aead.open(nonce, aad, new Uint8Array(16)), null, 'tag only, wrong');
        assert.ok(aead.open(nonce, aad, sealed), 'the untouched record still opens');
      });
    }

    test('AEAD seal with prefix places the prefix first, in one buffer', () => {
      for (const alg of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as AeadAlgorithm[]) {
        const key = p.randomBytes(alg === 'aes-128-gcm' ? 16 : 32);
        const aead = p.createAead(alg, key);
        const nonce = p.randomBytes(12);
        const header = hex('1703030025');
        const plaintext = ascii('application data!');
        const withPrefix = aead.seal(nonce, header, plaintext, header);
        const without = aead.seal(nonce, header, plaintext);
        assert.equal(withPrefix.length, header.length + plaintext.length + 16);
        assert.equal(toHex(withPrefix.subarray(0, 5)), '1703030025');
        assert.equal(toHex(withPrefix.subarray(5)), toHex(without));
        assert.equal(toHex(aead.open(nonce, header, withPrefix.subarray(5))!), toHex(plaintext));
        // Empty plaintext (e.g. an empty record) works and is just the tag.
        const empty = aead.seal(nonce, header, new Uint8Array(0), header);
        assert.equal(empty.length, 5 + 16);
        assert.equal(aead.open(nonce, header, empty.subarray(5))!.length, 0);
      }
    });

    /** One key per AEAD, and the random inputs both property tests draw. */
    const propertyKeys = (): Record<AeadAlgorithm, Uint8Array> => ({
      'aes-128-gcm': p.randomBytes(16),
      'aes-256-gcm': p.randomBytes(32),
      'chacha20-poly1305': p.randomBytes(32),
    });
    const aeadInputs = [
      fc.constantFrom<AeadAlgorithm>('aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ maxLength: 32 }),
      fc.uint8Array({ maxLength: 600 }),
    ] as const;

    test('AEAD property: seal/open round trip with random prefix, AAD and plaintext', () => {
      const keys = propertyKeys();
      fc.assert(
        fc.property(...aeadInputs, fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }), (alg, nonce, aad, plaintext, prefix) => {
          const aead = p.createAead(alg, keys[alg]);
          const sealed = aead.seal(nonce, aad, plaintext, prefix);
          const start = prefix?.length ?? 0;
          assert.equal(sealed.length, start + plaintext.length + 16);
          if (prefix) assert.equal(toHex(sealed.subarray(0, start)), toHex(prefix));
          assert.equal(toHex(aead.open(nonce, aad, sealed.subarray(start))!), toHex(plaintext));
        }),
        { numRuns: 300 },
      );
    });

    // Only for providers with the fast path (the record layer uses seal() for the others).
    if (p.createAead('aes-128-gcm', new Uint8Array(16)).sealParts !== undefined) {
      test('AEAD sealParts: the two pieces joined are exactly seal() of plaintext || trailer', () => {
        const keys = propertyKeys();
        fc.assert(
          fc.property(...aeadInputs, fc.uint8Array({ maxLength: 8 }), (alg, nonce, aad, plaintext, trailer) => {
            const aead = p.createAead(alg, keys[alg]);
            const [body, tail] = aead.sealParts!(nonce, aad, plaintext, trailer);
            assert.equal(body.length, plaintext.length);
            assert.equal(tail.length, trailer.length + 16);
            const joined = new Uint8Array(plaintext.length + trailer.length);
            joined.set(plaintext);
            joined.set(trailer, plaintext.length);
            assert.equal(toHex(body) + toHex(tail), toHex(aead.seal(nonce, aad, joined)));
          }),
          { numRuns: 300 },
        );
      });
    }

    test('AEAD: results are independent buffers, and the key is copied at creation', () => {
      const key = hex('00112233445566778899aabbccddeeff');
      const aead = p.createAead('aes-128-gcm', key);
      const nonce = new Uint8Array(12);
      const first = aead.seal(nonce, new Uint8Array(0), ascii('one'));
      const firstHex = toHex(first);
      key.fill(0); // the key schedule wipes secrets after handing them over
      for (let i = 0; i < 200; i++) aead.seal(nonce, new Uint8Array(0), ascii('another record'));
      assert.equal(toHex(first), firstHex, 'earlier output did not change under later seals');
      assert.equal(toHex(aead.seal(nonce, new Uint8Array(0), ascii('one'))), firstHex, 'wiping the caller key has no effect');
    });

    test('AEAD: wrong key or nonce length is refused', () => {
      assert.throws(() => p.createAead('aes-128-gcm', new Uint8Array(32)), RangeError);
      assert.throws(() => p.createAead('aes-256-gcm', new Uint8Array(16)), RangeError);
      assert.throws(() => p.createAead('chacha20-poly1305', new Uint8Array(31)), RangeError);
      const aead = p.createAead('aes-256-gcm', new Uint8Array(32));
      assert.throws(() => aead.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1)), RangeError);
      assert.throws(() => aead.open(new Uint8Array(16), new Uint8Array(0), new Uint8Array(32)), RangeError);
    });

    // ---------------------------------------------------------------------------------------------
    // Key exchange

    test('X25519: RFC 7748 6.1 Alice and Bob', () => {
      const alicePriv = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const bobPriv = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const alice = p.keyShareFromPrivate(NamedGroup.x25519, alicePriv);
      const bob = p.keyShareFromPrivate(NamedGroup.x25519, bobPriv);
      assert.equal(alice.group, NamedGroup.x25519);
      assert.equal(toHex(alice.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
      assert.equal(toHex(bob.publicKey), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(toHex(alice.deriveSecret(bob.publicKey)), k);
      assert.equal(toHex(bob.deriveSecret(alice.publicKey)), k);
    });

    test('X25519: RFC 7748 5.2 scalar multiplication vectors (incl. a u-coordinate with the top bit set)', () => {
      const vectors = [
        [
          'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
          'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
          'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
        ],
        [
          '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
          'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
          '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
        ],
      ] as const;
      for (const [scalar, u, out] of vectors) {
        assert.equal(toHex(p.keyShareFromPrivate(NamedGroup.x25519, hex(scalar)).deriveSecret(hex(u))), out);
      }
    });

    test('X25519: fresh shares agree, public keys are 32 bytes, shares differ', () => {
      const a = p.generateKeyShare(NamedGroup.x25519);
      const b = p.generateKeyShare(NamedGroup.x25519);
      assert.equal(a.publicKey.length, 32);
      assert.notEqual(toHex(a.publicKey), toHex(b.publicKey));
      assert.equal(toHex(a.deriveSecret(b.publicKey)), toHex(b.deriveSecret(a.publicKey)));
      // A peer key inside a larger buffer (as parsers hand it over) works too.
      const framed = new Uint8Array(40);
      framed.set(b.publicKey, 5);
      assert.equal(toHex(a.deriveSecret(framed.subarray(5, 37))), toHex(a.deriveSecret(b.publicKey)));
    });

    test('X25519: low-order (all-zero secret) and wrong-length peer keys -> illegal_parameter', () => {
      const share = p.generateKeyShare(NamedGroup.x25519);
      const bad = isFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_KEY_SHARE);
      assert.throws(() => share.deriveSecret(new Uint8Array(32)), bad, 'u = 0');
      assert.throws(() => share.deriveSecret(hex('01' + '00'.repeat(31))), bad, 'u = 1');
      // Order-8 point from the well-known small-subgroup list.
      assert.throws(() => share.deriveSecret(hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')), bad);
      assert.throws(() => share.deriveSecret(new Uint8Array(31)), bad);
      assert.throws(() => share.deriveSecret(new Uint8Array(33)), bad);
      assert.throws(() => share.deriveSecret(new Uint8Array(0)), bad);
    });

    for (const [name, group, len] of [
      ['P-256', NamedGroup.secp256r1, 65],
      ['P-384', NamedGroup.secp384r1, 97],
    ] as const) {
      test(`${name} ECDH: round trip between two providers' shares`, () => {
        const other = nodeCrypto; // the reference (OpenSSL underneath)
        const a = p.generateKeyShare(group);
        const b = other.generateKeyShare(group);
        assert.equal(a.group, group);
        assert.equal(a.publicKey.length, len);
        assert.equal(a.publicKey[0], 0x04);
        const s1 = a.deriveSecret(b.publicKey);
        assert.equal(s1.length, (len - 1) / 2);
        assert.equal(toHex(s1), toHex(b.deriveSecret(a.publicKey)));
        // keyShareFromPrivate reproduces a share: same scalar -> same public key and secret.
        const scalar = hex('01'.repeat((len - 1) / 2));
        const c1 = p.keyShareFromPrivate(group, scalar);
        const c2 = other.keyShareFromPrivate(group, scalar);
        assert.equal(toHex(c1.publicKey), toHex(c2.publicKey));
        assert.equal(toHex(c1.deriveSecret(a.publicKey)), toHex(a.deriveSecret(c2.publicKey)));
      });

      test(`${name} ECDH: invalid peer points -> illegal_parameter`, () => {
        const share = p.generateKeyShare(group);
        const bad = isFailure(AlertDescription.illegal_parameter, Reason.SSL_R_BAD_KEY_SHARE);
        const good = p.generateKeyShare(group).publicKey;
        // Off the curve: a valid point with the last byte of Y changed.
        const offCurve = Uint8Array.from(good);
        offCurve[len - 1]! ^= 0x01;
        assert.throws(() => share.deriveSecret(offCurve), bad, 'off-curve point');
        // The uncompressed encoding of (1, 1): not on the curve.
        const oneOne = new Uint8Array(len);
        oneOne[0] = 4;
        oneOne[(len - 1) / 2] = 1;
        oneOne[len - 1] = 1;
        assert.throws(() => share.deriveSecret(oneOne), bad, '(1, 1)');
        // Coordinates >= p (all 0xff).
        const big = new Uint8Array(len).fill(0xff);
        big[0] = 4;
        assert.throws(() => share.deriveSecret(big), bad, 'coordinates out of range');
        // Compressed form of a valid point is not allowed in TLS 1.3.
        const compressed = new Uint8Array((len + 1) / 2);
        compressed[0] = 2 + (good[len - 1]! & 1);
        compressed.set(good.subarray(1, (len + 1) / 2), 1);
        assert.throws(() => share.deriveSecret(compressed), bad, 'compressed point');
        // Right length, wrong prefix.
        const prefixed = Uint8Array.from(good);
        prefixed[0] = 0x03;
        assert.throws(() => share.deriveSecret(prefixed), bad, 'bad prefix');
        assert.throws(() => share.deriveSecret(good.subarray(0, len - 1)), bad, 'truncated');
        assert.throws(() => share.deriveSecret(new Uint8Array([0])), bad, 'point at infinity');
        // The share is still usable after rejecting garbage.
        assert.equal(share.deriveSecret(good).length, (len - 1) / 2);
      });
    }

    test('supportsGroup and unsupported groups', () => {
      assert.equal(p.supportsGroup(NamedGroup.x25519), true);
      assert.equal(p.supportsGroup(NamedGroup.secp256r1), true);
      assert.equal(p.supportsGroup(NamedGroup.secp384r1), true);
      assert.equal(p.supportsGroup(NamedGroup.x448), false);
      assert.equal(p.supportsGroup(NamedGroup.ffdhe2048), false);
      assert.equal(p.supportsGroup(0x1234), false);
      assert.throws(() => p.generateKeyShare(NamedGroup.x448), RangeError);
      assert.throws(() => p.keyShareFromPrivate(NamedGroup.x25519, new Uint8Array(31)), RangeError);
    });

    test('randomBytes returns the requested number of distinct bytes', () => {
      assert.equal(p.randomBytes(0).length, 0);
      const a = p.randomBytes(32);
      const b = p.randomBytes(32);
      assert.equal(a.length, 32);
      assert.notEqual(toHex(a), toHex(b));
    });

    // ---------------------------------------------------------------------------------------------
    // Keys and signatures

    // RSA key generation is slow: make each kind once for the whole file.
    const rsaKey = p.generatePrivateKey('rsa-2048');
    const rsaPssKey = p.importPrivateKey(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    const p256Key = p.generatePrivateKey('ec-p256');
    const p384Key = p.generatePrivateKey('ec-p384');
    const p521Key = p.importPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    const edKey = p.generatePrivateKey('ed25519');
    /** The RSA key as an OpenSSL KeyObject, to check our output with OpenSSL directly. */
    const rsaKeyObject = () => createPrivateKey({ key: Buffer.from(p.exportPrivateKey(rsaKey)), format: 'der', type: 'pkcs8' });

    const S = SignatureScheme;
    const schemeKeys: [string, number, PrivateKey][] = [
      ['ecdsa_secp256r1_sha256', S.ecdsa_secp256r1_sha256, p256Key],
      ['ecdsa_secp384r1_sha384', S.ecdsa_secp384r1_sha384, p384Key],
      ['ecdsa_secp521r1_sha512', S.ecdsa_secp521r1_sha512, p521Key],
      ['rsa_pss_rsae_sha256', S.rsa_pss_rsae_sha256, rsaKey],
      ['rsa_pss_rsae_sha384', S.rsa_pss_rsae_sha384, rsaKey],
      ['rsa_pss_rsae_sha512', S.rsa_pss_rsae_sha512, rsaKey],
      ['rsa_pss_pss_sha256', S.rsa_pss_pss_sha256, rsaPssKey],
      ['rsa_pss_pss_sha384', S.rsa_pss_pss_sha384, rsaPssKey],
      ['rsa_pss_pss_sha512', S.rsa_pss_pss_sha512, rsaPssKey],
      ['ed25519', S.ed25519, edKey],
      ['rsa_pkcs1_sha256', S.rsa_pkcs1_sha256, rsaKey],
      ['rsa_pkcs1_sha384', S.rsa_pkcs1_sha384, rsaKey],
      ['rsa_pkcs1_sha512', S.rsa_pkcs1_sha512, rsaKey],
    ];

    test('key kinds are described correctly', () => {
      assert.deepEqual([rsaKey.type, rsaKey.bits, rsaKey.curve], ['rsa', 2048, undefined]);
      assert.deepEqual([rsaPssKey.type, rsaPssKey.bits], ['rsa-pss', 2048]);
      assert.deepEqual([p256Key.type, p256Key.curve], ['ec', 'P-256']);
      assert.deepEqual([p384Key.type, p384Key.curve], ['ec', 'P-384']);
      assert.deepEqual([p521Key.type, p521Key.curve], ['ec', 'P-521']);
      assert.equal(edKey.type, 'ed25519');
    });

    for (const [name, scheme, key] of schemeKeys) {
      test(`sign/verify round trip: ${name}`, () => {
        const msg = ascii(' '.repeat(64) + 'TLS 1.3, server CertificateVerify\0' + 'transcript hash');
        const sig = p.sign(scheme, key, msg);
        const pub = p.importPublicKey(p.publicKeyOf(key));
        // The reference (node:crypto, OpenSSL underneath) accepts our signature, and we accept its.
        assert.equal(nodeCrypto.verify(scheme, nodeCrypto.importPublicKey(p.publicKeyOf(key)), msg, sig), true, 'OpenSSL verifies it');
        const refKey = nodeCrypto.importPrivateKey(p.exportPrivateKey(key));
        assert.equal(p.verify(scheme, pub, msg, nodeCrypto.sign(scheme, refKey, msg)), true, 'verifies an OpenSSL signature');
        assert.equal(pub.type, key.type);
        assert.equal(pub.curve, key.curve);
        assert.equal(p.verify(scheme, pub, msg, sig), true);
        if (key.type === 'ec') assert.equal(sig[0], 0x30, 'ECDSA signature is a DER SEQUENCE');
        if (key.type === 'ed25519') assert.equal(sig.length, 64);
        if (key.type === 'rsa' || key.type === 'rsa-pss') assert.equal(sig.length, 256);

        const flippedSig = Uint8Array.from(sig);
        flippedSig[sig.length - 1]! ^= 0x01;
        assert.equal(p.verify(scheme, pub, msg, flippedSig), false, 'flipped signature bit');
        const flippedMsg = Uint8Array.from(msg);
        flippedMsg[70]! ^= 0x01;
        assert.equal(p.verify(scheme, pub, flippedMsg, sig), false, 'flipped message bit');
        assert.equal(p.verify(scheme, pub, msg, new Uint8Array(0)), false, 'empty signature');
        assert.equal(p.verify(scheme, pub, msg, sig.subarray(0, sig.length - 1)), false, 'truncated signature');
        assert.equal(p.verify(scheme, pub, msg, new Uint8Array(sig.length).fill(0x30)), false, 'garbage signature');
      });
    }

    test('RSA-PSS uses salt length = hash length and MGF1 with the same hash (cross-checked with node)', () => {
      const msg = ascii('check the PSS parameters');
      const rsa = rsaKeyObject();
      for (const [scheme, hash, salt] of [
        [S.rsa_pss_rsae_sha256, 'sha256', 32],
        [S.rsa_pss_rsae_sha384, 'sha384', 48],
        [S.rsa_pss_rsae_sha512, 'sha512', 64],
      ] as const) {
        const sig = p.sign(scheme, rsaKey, msg);
        const opts = { key: rsa, padding: constants.RSA_PKCS1_PSS_PADDING };
        assert.equal(nodeVerify(hash, msg, { ...opts, saltLength: salt }, sig), true);
        assert.equal(nodeVerify(hash, msg, { ...opts, saltLength: salt + 1 }, sig), false, 'salt length is exactly hLen');
      }
    });

    test('sign with a scheme the key cannot use throws TlsFailure(handshake_failure, WRONG_SIGNATURE_TYPE)', () => {
      const wrong = isFailure(AlertDescription.handshake_failure, Reason.SSL_R_WRONG_SIGNATURE_TYPE);
      const msg = ascii('m');
      assert.throws(() => p.sign(S.ecdsa_secp384r1_sha384, p256Key, msg), wrong, 'P-256 key, P-384 scheme');
      assert.throws(() => p.sign(S.ecdsa_secp256r1_sha256, p384Key, msg), wrong, 'P-384 key, P-256 scheme');
      assert.throws(() => p.sign(S.rsa_pss_rsae_sha256, p256Key, msg), wrong, 'EC key, RSA scheme');
      assert.throws(() => p.sign(S.ecdsa_secp256r1_sha256, rsaKey, msg), wrong, 'RSA key, ECDSA scheme');
      assert.throws(() => p.sign(S.rsa_pss_pss_sha256, rsaKey, msg), wrong, 'rsaEncryption key, pss scheme');
      assert.throws(() => p.sign(S.rsa_pss_rsae_sha256, rsaPssKey, msg), wrong, 'RSASSA-PSS key, rsae scheme');
      assert.throws(() => p.sign(S.rsa_pkcs1_sha256, rsaPssKey, msg), wrong, 'RSASSA-PSS key, PKCS#1 scheme');
      assert.throws(() => p.sign(S.ed25519, p256Key, msg), wrong, 'EC key, Ed25519');
      assert.throws(() => p.sign(S.ed448, edKey, msg), wrong, 'unsupported scheme');
      assert.throws(() => p.sign(S.rsa_pkcs1_sha1, rsaKey, msg), wrong, 'SHA-1 scheme');
      assert.throws(() => p.sign(0xffff, rsaKey, msg), wrong, 'unknown code point');
    });

    test('verify with a scheme the key cannot use returns false, never throws', () => {
      const msg = ascii('m');
      const p256Pub = p.importPublicKey(p.publicKeyOf(p256Key));
      const rsaPub = p.importPublicKey(p.publicKeyOf(rsaKey));
      const p256Sig = p.sign(S.ecdsa_secp256r1_sha256, p256Key, msg);
      const rsaSig = p.sign(S.rsa_pss_rsae_sha256, rsaKey, msg);
      assert.equal(p.verify(S.ecdsa_secp384r1_sha384, p256Pub, msg, p256Sig), false);
      assert.equal(p.verify(S.rsa_pss_rsae_sha256, p256Pub, msg, rsaSig), false);
      assert.equal(p.verify(S.rsa_pss_pss_sha256, rsaPub, msg, rsaSig), false);
      assert.equal(p.verify(S.rsa_pkcs1_sha256, rsaPub, msg, rsaSig), false, 'PSS signature is not PKCS#1');
      assert.equal(p.verify(S.rsa_pss_rsae_sha384, rsaPub, msg, rsaSig), false, 'other hash');
      assert.equal(p.verify(S.ed448, rsaPub, msg, rsaSig), false);
      assert.equal(p.verify(0xffff, rsaPub, msg, rsaSig), false);
      // A public key from elsewhere (not this provider) is simply not verifiable here.
      assert.equal(p.verify(S.ecdsa_secp256r1_sha256, { type: 'ec', curve: 'P-256' }, msg, p256Sig), false);
      // A private key verifies too (node derives its public half).
      assert.equal(p.verify(S.ecdsa_secp256r1_sha256, p256Key, msg, p256Sig), true);
    });

    test('importPrivateKey: PEM (PKCS#8 and traditional), PKCS#8 DER, round trip through exportPrivateKey', () => {
      const msg = ascii('round trip');
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forms: (string | Uint8Array)[] = [
        ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        ec.privateKey.export({ format: 'pem', type: 'sec1' }) as string,
        new Uint8Array(ec.privateKey.export({ format: 'der', type: 'pkcs8' })),
        new Uint8Array(Buffer.from(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)),
      ];
      const spki = toHex(ec.publicKey.export({ format: 'der', type: 'spki' }));
      for (const form of forms) {
        const k = p.importPrivateKey(form);
        assert.equal(k.type, 'ec');
        assert.equal(k.curve, 'P-256');
        assert.equal(toHex(p.publicKeyOf(k)), spki);
      }
      const rsaPem = rsaKeyObject().export({ format: 'pem', type: 'pkcs1' }) as string;
      assert.ok(rsaPem.includes('BEGIN RSA PRIVATE KEY'));
      assert.equal(p.importPrivateKey(rsaPem).bits, 2048);
      for (const key of [rsaKey, rsaPssKey, p256Key, p384Key, p521Key, edKey]) {
        const again = p.importPrivateKey(p.exportPrivateKey(key));
        assert.equal(again.type, key.type);
        assert.equal(toHex(p.publicKeyOf(again)), toHex(p.publicKeyOf(key)));
        const scheme = schemesForKey(key)[0]!;
        assert.equal(p.verify(scheme, p.importPublicKey(p.publicKeyOf(key)), msg, p.sign(scheme, again, msg)), true);
      }
    });

    test('importPrivateKey / importPublicKey refuse unsupported and malformed keys with clear errors', () => {
      const x25519 = generateKeyPairSync('x25519');
      assert.throws(() => p.importPrivateKey(x25519.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string), /unsupported key type x25519/);
      const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      assert.throws(() => p.importPrivateKey(k1.privateKey.export({ format: 'der', type: 'pkcs8' })), /unsupported EC curve secp256k1/);
      assert.throws(() => p.importPrivateKey('not a key'), /cannot read private key/);
      assert.throws(() => p.importPrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), /cannot read private key/);
      // Public keys arrive from peers' certificates: failures are TlsFailures with an alert.
      assert.throws(
        () => p.importPublicKey(new Uint8Array([0x30, 0x00])),
        isFailure(AlertDescription.bad_certificate, Reason.SSL_R_BAD_CERTIFICATE),
      );
      assert.throws(
        () => p.importPublicKey(x25519.publicKey.export({ format: 'der', type: 'spki' })),
        (e: unknown) => e instanceof TlsFailure && e.alert === AlertDescription.unsupported_certificate,
      );
      // A key object made by some other provider cannot be used here.
      assert.throws(() => p.sign(S.ed25519, { type: 'ed25519' }, ascii('m')), TypeError);
      assert.throws(() => p.exportPrivateKey({ type: 'ed25519' }), TypeError);
    });

    test('generatePrivateKey makes each kind', () => {
      assert.deepEqual([p256Key.type, p256Key.curve], ['ec', 'P-256']);
      assert.deepEqual([p384Key.type, p384Key.curve], ['ec', 'P-384']);
      assert.deepEqual([rsaKey.type, rsaKey.bits], ['rsa', 2048]);
      assert.equal(edKey.type, 'ed25519');
      assert.throws(() => p.generatePrivateKey('dsa' as never), RangeError);
    });

    // ---------------------------------------------------------------------------------------------
    // schemes.ts

    test('schemesForKey lists TLS 1.3 schemes in preference order', () => {
      assert.deepEqual(schemesForKey(p256Key), [S.ecdsa_secp256r1_sha256]);
      assert.deepEqual(schemesForKey(p384Key), [S.ecdsa_secp384r1_sha384]);
      assert.deepEqual(schemesForKey(p521Key), [S.ecdsa_secp521r1_sha512]);
      assert.deepEqual(schemesForKey(rsaKey), [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512]);
      assert.deepEqual(schemesForKey(rsaKey, true), [
        S.rsa_pss_rsae_sha256,
        S.rsa_pss_rsae_sha384,
        S.rsa_pss_rsae_sha512,
        S.rsa_pkcs1_sha256,
        S.rsa_pkcs1_sha384,
        S.rsa_pkcs1_sha512,
      ]);
      assert.deepEqual(schemesForKey(rsaPssKey), [S.rsa_pss_pss_sha256, S.rsa_pss_pss_sha384, S.rsa_pss_pss_sha512]);
      assert.deepEqual(schemesForKey(edKey), [S.ed25519]);
      assert.deepEqual(schemesForKey(p.importPublicKey(p.publicKeyOf(p256Key))), [S.ecdsa_secp256r1_sha256]);
      // RSA-1024 is too short for PSS with SHA-512 and a 64-byte salt (RFC 8017 9.1.1).
      assert.deepEqual(schemesForKey({ type: 'rsa', bits: 1024 }), [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384]);
      assert.deepEqual(schemesForKey({ type: 'ec', curve: 'P-192' }), []);
    });

    test('an RSASSA-PSS key whose parameters pin a digest is limited to that digest', () => {
      const pinned = p.importPrivateKey(
        generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha384', mgf1HashAlgorithm: 'sha384' }).privateKey.export({
          format: 'pem',
          type: 'pkcs8',
        }) as string,
      );
      assert.equal((pinned as { pssHash?: string }).pssHash, 'sha384');
      assert.deepEqual(schemesForKey(pinned), [S.rsa_pss_pss_sha384]);
      const msg = ascii('pinned');
      const sig = p.sign(S.rsa_pss_pss_sha384, pinned, msg);
      assert.equal(p.verify(S.rsa_pss_pss_sha384, p.importPublicKey(p.publicKeyOf(pinned)), msg, sig), true);
      assert.throws(() => p.sign(S.rsa_pss_pss_sha256, pinned, msg), isFailure(AlertDescription.handshake_failure, Reason.SSL_R_WRONG_SIGNATURE_TYPE));
    });

    test('schemeHash and schemeInfo', () => {
      assert.equal(schemeHash(S.ecdsa_secp256r1_sha256), 'sha256');
      assert.equal(schemeHash(S.rsa_pss_rsae_sha384), 'sha384');
      assert.equal(schemeHash(S.rsa_pss_pss_sha512), 'sha512');
      assert.equal(schemeHash(S.rsa_pkcs1_sha256), 'sha256');
      assert.equal(schemeHash(S.ed25519), null);
      assert.equal(schemeHash(0xffff), null);
      assert.equal(schemeInfo(S.rsa_pkcs1_sha256)?.tls13, false);
      assert.equal(schemeInfo(S.rsa_pss_rsae_sha256)?.tls13, true);
      assert.equal(schemeInfo(S.ed448), undefined);
    });
  });
}

/**
 * RFC 8448 "Example Handshake Traces for TLS 1.3", transcribed as data.
 *
 * Section 3 (Simple 1-RTT Handshake) and section 5 (HelloRetryRequest) are given in full, plus
 * the server RSA key of section 2. Every value is lowercase hex without spaces, byte for byte as
 * printed in the RFC; each field's comment is the RFC's own label ("{party}  step: name (size)").
 * Fields keep the RFC's order. Values the RFC prints more than once are stored once: a record's
 * "payload" is the message (or messages) that record carries, each step's "PRK" is the secret
 * derived before it, and repeated "hash"/"info"/"key info"/"iv info" inputs equal the first one.
 * (The one-off transcription script checked that every such repeat agrees.) The cookie is the
 * only value not printed on its own by the RFC: it is cut out of the HelloRetryRequest.
 *
 * Cipher suite in both traces: TLS_AES_128_GCM_SHA256. The RFC is the only source of these
 * values: test/vectors/rfc8448-data.test.ts re-derives them with node:crypto to catch typos.
 */

/** The RSA private key of RFC 8448 section 2, as big-endian hex components. */
export interface Rfc8448RsaPrivateKey {
  /** n */
  readonly modulus: string;
  /** e */
  readonly publicExponent: string;
  /** d */
  readonly privateExponent: string;
  /** p */
  readonly prime1: string;
  /** q */
  readonly prime2: string;
  /** d mod (p-1) */
  readonly exponent1: string;
  /** d mod (q-1) */
  readonly exponent2: string;
  /** q^-1 mod p */
  readonly coefficient: string;
}

/** Server RSA key (RFC 8448 section 2), used by the server in sections 3 and 5. */
export const RFC8448_SERVER_RSA_KEY: Rfc8448RsaPrivateKey = {
  // modulus (public)
  modulus: 'b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af1' +
    '9eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8c' +
    'a9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f',
  // public exponent
  publicExponent: '010001',
  // private exponent
  privateExponent: '04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985b8e31c44f6de62e1b4c2309f6126e77b' +
    '7c41e923314bbfa3881305dc1217f16c819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f67' +
    '9f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941',
  // prime1
  prime1: 'e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30a327aa0aaabc58cd67466af9845fadc6' +
    '75fe094af92c4bd1f2c1bc33dd2e0515',
  // prime2
  prime2: 'cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee8af1d9b4719ba6196cf2cbbaeeebf8b3' +
    '490afe9e9ffa74a88aa51fc645629303',
  // exponent1
  exponent1: '3f57345c27fe1b687e6e761627b78b1b826433dd760fa0bea6a6acf39490aa1b47cda4869d68f584dd5b5029bd32093b' +
    '8258661fe715025e5d70a45a08d3d319',
  // exponent2
  exponent2: '183da01363bd2f2885cacbdc9964bf4764f1517636f86401286f71893c52ccfe40a6c23d0d086b47c6fb10d8fd1041e0' +
    '4def7e9a40ce957c417794e10412d139',
  // coefficient
  coefficient: '839ca9a085e4286b2c90e466997a2c681f21339aa3477814e4dec11833050ed50dd13cc038048a43c59b2acc416889c0' +
    '37665fe5afa605969f8c01dfa5ca969d',
};

/**
 * {@link RFC8448_SERVER_RSA_KEY} as a PKCS#8 PEM. Built once from the JWK form of the components
 * with node:crypto (`createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' })`);
 * the test checks it still matches the components.
 */
export const RFC8448_SERVER_RSA_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALS7SY+CeTA9mAg2
OZs2xpiMDGjeVeG9uCbTkBokYer9LeSakdAVq7yalRN6zmwa8Z6qavmMfO1DEgmY
4YeoDuDMsFJLGwGMPgtjJk1Emm044ipf2kMIRnSAMFMO8EYcjKnZ77+ujqbR0D4r
0ZPv8KuagALEdCim01qNiNeffx4/AgMBAAECgYAE3qcF1DpupyCd2AchEag8geMi
pZJ4szSAZB6vfApphbjjHET23mLhtMIwn2Em53t8QekjMUu/o4gTBdwSF/FsgZzl
OOki82mCjQ5XGV2MhIhGAgey+qcmvPcIu9fbf2efiTSS/CpiLgiXCqxEHOTgwwiN
8lrmeSM9+KO9ov+ZQQJBAOQ1+3zINzd1bazqlqt/WaLMEGnbfesZDhfjOlMrJz8w
oyeqCqq8WM1nRmr5hF+txnX+CUr5LEvR8sG8M90uBRUCQQDKvTvA4EOGZMjUzJ+Z
l3qU2bv+rY5Dhwq64/fri04O7orx2bRxm6YZbPLLuu7r+LNJCv6en/p0qIqlH8ZF
YpMDAkA/VzRcJ/4baH5udhYnt4sbgmQz3XYPoL6mpqzzlJCqG0fNpIadaPWE3VtQ
Kb0yCTuCWGYf5xUCXl1wpFoI09MZAkAYPaATY70vKIXKy9yZZL9HZPFRdjb4ZAEo
b3GJPFLM/kCmwj0NCGtHxvsQ2P0QQeBN736aQM6VfEF3lOEEEtE5AkEAg5ypoIXk
KGsskORmmXosaB8hM5qjR3gU5N7BGDMFDtUN0TzAOASKQ8WbKsxBaInAN2Zf5a+m
BZafjAHfpcqWnQ==
-----END PRIVATE KEY-----
`;

/**
 * The server certificate (CN=rsa, RSA 1024, sha256WithRSAEncryption), DER: the first
 * certificate_list entry of the Certificate message of sections 3 and 5.
 */
export const RFC8448_SERVER_CERTIFICATE_DER =
  '308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372736130' +
  '1e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130' +
  '819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de' +
  '55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b' +
  '1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c4' +
  '7428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06' +
  '092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417' +
  'f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a4' +
  '2a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1';

/** Every value of RFC 8448 section 3, "Simple 1-RTT Handshake". */
export interface Rfc8448Simple {
  /** Client's ephemeral X25519 private key. */
  readonly clientX25519Private: string;
  /** Client's ephemeral X25519 public key (its key_share). */
  readonly clientX25519Public: string;
  /** ClientHello handshake message, 4-byte header included. */
  readonly clientHello: string;
  /** ClientHello record as sent (legacy_record_version 0x0301). */
  readonly clientHelloRecord: string;
  /** Early Secret = HKDF-Extract(0, 0). */
  readonly earlySecret: string;
  /** Server's ephemeral X25519 private key. */
  readonly serverX25519Private: string;
  /** Server's ephemeral X25519 public key (its key_share). */
  readonly serverX25519Public: string;
  /** ServerHello handshake message. */
  readonly serverHello: string;
  /** SHA-256 of the empty string: the context of both "derived" secrets. */
  readonly emptyHash: string;
  /** HkdfLabel for "tls13 derived" (also used for the master "derived" step). */
  readonly derivedInfo: string;
  /** Derive-Secret(Early Secret, "derived", ""): salt of the handshake secret. */
  readonly derivedForHandshake: string;
  /** (EC)DHE shared secret: the IKM of the handshake secret. */
  readonly sharedSecret: string;
  /** Handshake Secret. */
  readonly handshakeSecret: string;
  /** Transcript-Hash(ClientHello..ServerHello). */
  readonly helloTranscriptHash: string;
  /** HkdfLabel for "tls13 c hs traffic". */
  readonly clientHandshakeTrafficInfo: string;
  /** client_handshake_traffic_secret. */
  readonly clientHandshakeTrafficSecret: string;
  /** HkdfLabel for "tls13 s hs traffic". */
  readonly serverHandshakeTrafficInfo: string;
  /** server_handshake_traffic_secret. */
  readonly serverHandshakeTrafficSecret: string;
  /** Derive-Secret(Handshake Secret, "derived", ""): salt of the master secret. */
  readonly derivedForMaster: string;
  /** Master Secret = HKDF-Extract(derived, 0). */
  readonly masterSecret: string;
  /** ServerHello record as sent. */
  readonly serverHelloRecord: string;
  /** HkdfLabel for "tls13 key" with length 16. */
  readonly keyInfo: string;
  /** Server handshake write key (AES-128-GCM). */
  readonly serverHandshakeKey: string;
  /** HkdfLabel for "tls13 iv" with length 12. */
  readonly ivInfo: string;
  /** Server handshake write IV. */
  readonly serverHandshakeIv: string;
  /** EncryptedExtensions handshake message. */
  readonly encryptedExtensions: string;
  /** Certificate handshake message (one RSA certificate, no extensions). */
  readonly certificate: string;
  /** CertificateVerify handshake message (rsa_pss_rsae_sha256). */
  readonly certificateVerify: string;
  /** HkdfLabel for "tls13 finished" with empty context. */
  readonly finishedInfo: string;
  /** Server finished_key. */
  readonly serverFinishedKey: string;
  /** Server Finished verify_data. */
  readonly serverFinishedVerifyData: string;
  /** Server Finished handshake message. */
  readonly serverFinished: string;
  /** The complete protected record carrying EncryptedExtensions..Finished. */
  readonly serverEncryptedHandshakeRecord: string;
  /** Transcript-Hash(ClientHello..server Finished). */
  readonly serverFinishedTranscriptHash: string;
  /** HkdfLabel for "tls13 c ap traffic". */
  readonly clientApplicationTrafficInfo: string;
  /** client_application_traffic_secret_0. */
  readonly clientApplicationTrafficSecret0: string;
  /** HkdfLabel for "tls13 s ap traffic". */
  readonly serverApplicationTrafficInfo: string;
  /** server_application_traffic_secret_0. */
  readonly serverApplicationTrafficSecret0: string;
  /** HkdfLabel for "tls13 exp master". */
  readonly exporterMasterInfo: string;
  /** exporter_master_secret. */
  readonly exporterMasterSecret: string;
  /** Server application write key. */
  readonly serverApplicationKey: string;
  /** Server application write IV. */
  readonly serverApplicationIv: string;
  /** Client handshake write key (server reads with it). */
  readonly clientHandshakeKey: string;
  /** Client handshake write IV. */
  readonly clientHandshakeIv: string;
  /** Client finished_key. */
  readonly clientFinishedKey: string;
  /** Client Finished verify_data. */
  readonly clientFinishedVerifyData: string;
  /** Client Finished handshake message. */
  readonly clientFinished: string;
  /** The complete protected record carrying the client Finished. */
  readonly clientEncryptedHandshakeRecord: string;
  /** Client application write key. */
  readonly clientApplicationKey: string;
  /** Client application write IV. */
  readonly clientApplicationIv: string;
  /** Transcript-Hash(ClientHello..client Finished). */
  readonly clientFinishedTranscriptHash: string;
  /** HkdfLabel for "tls13 res master". */
  readonly resumptionMasterInfo: string;
  /** resumption_master_secret. */
  readonly resumptionMasterSecret: string;
  /** The ticket_nonce: the context of "tls13 resumption". */
  readonly ticketNonce: string;
  /** HkdfLabel for "tls13 resumption" with the ticket nonce. */
  readonly resumptionInfo: string;
  /** The ticket's PSK (the early secret input of RFC 8448 section 4). */
  readonly resumptionPsk: string;
  /** NewSessionTicket handshake message. */
  readonly newSessionTicket: string;
  /** The protected record carrying the NewSessionTicket. */
  readonly newSessionTicketRecord: string;
  /** Application data the client sends (plaintext). */
  readonly clientApplicationData: string;
  /** The protected record carrying the client application data. */
  readonly clientApplicationDataRecord: string;
  /** Application data the server sends (plaintext). */
  readonly serverApplicationData: string;
  /** The protected record carrying the server application data. */
  readonly serverApplicationDataRecord: string;
  /** Alert the client sends (warning close_notify). */
  readonly clientAlert: string;
  /** The protected record carrying the client close_notify. */
  readonly clientAlertRecord: string;
  /** Alert the server sends (warning close_notify). */
  readonly serverAlert: string;
  /** The protected record carrying the server close_notify. */
  readonly serverAlertRecord: string;
  /** The server's RSA private key as the components RFC 8448 section 2 lists. */
  readonly serverRsaPrivateKey: Rfc8448RsaPrivateKey;
  /** The same RSA key as PKCS#8 PEM (built from the components with node:crypto). */
  readonly serverRsaPrivateKeyPem: string;
  /** DER of the server certificate: the first certificate_list entry of {@link certificate}. */
  readonly serverCertificateDer: string;
}

/**
 * RFC 8448 section 3. The client's key schedule steps are "(same as server)" in the RFC and are
 * not repeated; the client's "derive secret for handshake" step repeats {@link Rfc8448Simple.derivedForHandshake}.
 * Each record's payload is the message (or messages) it carries, in order.
 */
export const rfc8448Simple: Rfc8448Simple = {
  // {client}  create an ephemeral x25519 key pair: private key (32 octets)
  clientX25519Private: '49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005',
  // {client}  create an ephemeral x25519 key pair: public key (32 octets)
  clientX25519Public: '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c',
  // {client}  construct a ClientHello handshake message: ClientHello (196 octets)
  clientHello: '010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201' +
    '0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400' +
    '230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00' +
    '03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c' +
    '00024001',
  // {client}  send handshake record: complete record (201 octets)
  clientHelloRecord: '16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece70000061301' +
    '13031302010000910000000b0009000006736572766572ff01000100000a00140012001d001700180019010001010102' +
    '0103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529a' +
    'af2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00' +
    '020101001c00024001',
  // {server}  extract secret "early": secret (32 octets)
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // {server}  create an ephemeral x25519 key pair: private key (32 octets)
  serverX25519Private: 'b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e',
  // {server}  create an ephemeral x25519 key pair: public key (32 octets)
  serverX25519Public: 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f',
  // {server}  construct a ServerHello handshake message: ServerHello (90 octets)
  serverHello: '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024' +
    '001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  // {server}  derive secret for handshake "tls13 derived": hash (32 octets)
  emptyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  // {server}  derive secret for handshake "tls13 derived": info (49 octets)
  derivedInfo: '00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8' +
    '55',
  // {server}  derive secret for handshake "tls13 derived": expanded (32 octets)
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // {server}  extract secret "handshake": IKM (32 octets)
  sharedSecret: '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d',
  // {server}  extract secret "handshake": secret (32 octets)
  handshakeSecret: '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac',
  // {server}  derive secret "tls13 c hs traffic": hash (32 octets)
  helloTranscriptHash: '860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8',
  // {server}  derive secret "tls13 c hs traffic": info (54 octets)
  clientHandshakeTrafficInfo: '002012746c7331332063206873207472616666696320860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed' +
    '063cf0e1cad8',
  // {server}  derive secret "tls13 c hs traffic": expanded (32 octets)
  clientHandshakeTrafficSecret: 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
  // {server}  derive secret "tls13 s hs traffic": info (54 octets)
  serverHandshakeTrafficInfo: '002012746c7331332073206873207472616666696320860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed' +
    '063cf0e1cad8',
  // {server}  derive secret "tls13 s hs traffic": expanded (32 octets)
  serverHandshakeTrafficSecret: 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
  // {server}  derive secret for master "tls13 derived": expanded (32 octets)
  derivedForMaster: '43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4',
  // {server}  extract secret "master": secret (32 octets)
  masterSecret: '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919',
  // {server}  send handshake record: complete record (95 octets)
  serverHelloRecord: '160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e269280013010000' +
    '2e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304',
  // {server}  derive write traffic keys for handshake data: key info (13 octets)
  keyInfo: '001009746c733133206b657900',
  // {server}  derive write traffic keys for handshake data: key expanded (16 octets)
  serverHandshakeKey: '3fce516009c21727d0f2e4e86ee403bc',
  // {server}  derive write traffic keys for handshake data: iv info (12 octets)
  ivInfo: '000c08746c73313320697600',
  // {server}  derive write traffic keys for handshake data: iv expanded (12 octets)
  serverHandshakeIv: '5d313eb2671276ee13000b30',
  // {server}  construct an EncryptedExtensions handshake message: EncryptedExtensions (40 octets)
  encryptedExtensions: '080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000',
  // {server}  construct a Certificate handshake message: Certificate (445 octets)
  certificate: '0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a' +
    '06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a' +
    '0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98' +
    '0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312' +
    '0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0' +
    '3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355' +
    '1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f' +
    '8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102' +
    '702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8' +
    'f8961229ac9187b42b4de10000',
  // {server}  construct a CertificateVerify handshake message: CertificateVerify (136 octets)
  certificateVerify: '0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3' +
    '3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c' +
    '9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3',
  // {server}  calculate finished "tls13 finished": info (18 octets)
  finishedInfo: '00200e746c7331332066696e697368656400',
  // {server}  calculate finished "tls13 finished": expanded (32 octets)
  serverFinishedKey: '008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8',
  // {server}  calculate finished "tls13 finished": finished (32 octets)
  serverFinishedVerifyData: '9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  // {server}  construct a Finished handshake message: Finished (36 octets)
  serverFinished: '140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718',
  // {server}  send handshake record: complete record (679 octets)
  serverEncryptedHandshakeRecord: '17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca' +
    '07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b' +
    'd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c' +
    '7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092' +
    '8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8' +
    '9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f' +
    '4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3' +
    '6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e' +
    '1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c' +
    'f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe' +
    '5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb' +
    '5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038' +
    'ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278' +
    '4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e' +
    '750edc53370d2b',
  // {server}  derive secret "tls13 c ap traffic": hash (32 octets)
  serverFinishedTranscriptHash: '9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13',
  // {server}  derive secret "tls13 c ap traffic": info (54 octets)
  clientApplicationTrafficInfo: '002012746c73313320632061702074726166666963209608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a76' +
    '86c9ff83df13',
  // {server}  derive secret "tls13 c ap traffic": expanded (32 octets)
  clientApplicationTrafficSecret0: '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5',
  // {server}  derive secret "tls13 s ap traffic": info (54 octets)
  serverApplicationTrafficInfo: '002012746c73313320732061702074726166666963209608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a76' +
    '86c9ff83df13',
  // {server}  derive secret "tls13 s ap traffic": expanded (32 octets)
  serverApplicationTrafficSecret0: 'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643',
  // {server}  derive secret "tls13 exp master": info (52 octets)
  exporterMasterInfo: '002010746c73313320657870206d6173746572209608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9' +
    'ff83df13',
  // {server}  derive secret "tls13 exp master": expanded (32 octets)
  exporterMasterSecret: 'fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50',
  // {server}  derive write traffic keys for application data: key expanded (16 octets)
  serverApplicationKey: '9f02283b6c9c07efc26bb9f2ac92e356',
  // {server}  derive write traffic keys for application data: iv expanded (12 octets)
  serverApplicationIv: 'cf782b88dd83549aadf1e984',
  // {server}  derive read traffic keys for handshake data: key expanded (16 octets)
  clientHandshakeKey: 'dbfaa693d1762c5b666af5d950258d01',
  // {server}  derive read traffic keys for handshake data: iv expanded (12 octets)
  clientHandshakeIv: '5bd3c71b836e0b76bb73265f',
  // {client}  calculate finished "tls13 finished": expanded (32 octets)
  clientFinishedKey: 'b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4',
  // {client}  calculate finished "tls13 finished": finished (32 octets)
  clientFinishedVerifyData: 'a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  // {client}  construct a Finished handshake message: Finished (36 octets)
  clientFinished: '14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  // {client}  send handshake record: complete record (58 octets)
  clientEncryptedHandshakeRecord: '170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1c' +
    'aeacab6867d726c40546',
  // {client}  derive write traffic keys for application data: key expanded (16 octets)
  clientApplicationKey: '17422dda596ed5d9acd890e3c63f5051',
  // {client}  derive write traffic keys for application data: iv expanded (12 octets)
  clientApplicationIv: '5b78923dee08579033e523d9',
  // {client}  derive secret "tls13 res master": hash (32 octets)
  clientFinishedTranscriptHash: '209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d',
  // {client}  derive secret "tls13 res master": info (52 octets)
  resumptionMasterInfo: '002010746c73313320726573206d617374657220209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c' +
    '54ad143d',
  // {client}  derive secret "tls13 res master": expanded (32 octets)
  resumptionMasterSecret: '7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c',
  // {server}  generate resumption secret "tls13 resumption": hash (2 octets)
  ticketNonce: '0000',
  // {server}  generate resumption secret "tls13 resumption": info (22 octets)
  resumptionInfo: '002010746c73313320726573756d7074696f6e020000',
  // {server}  generate resumption secret "tls13 resumption": expanded (32 octets)
  resumptionPsk: '4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3',
  // {server}  construct a NewSessionTicket handshake message: NewSessionTicket (205 octets)
  newSessionTicket: '040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf' +
    '1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827' +
    'db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228' +
    'bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a' +
    'e4d3570008002a000400000400',
  // {server}  send handshake record: complete record (227 octets)
  newSessionTicketRecord: '17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a' +
    '015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0' +
    '9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77' +
    'f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74' +
    'bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f',
  // {client}  send application_data record: payload (50 octets)
  clientApplicationData: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
    '3031',
  // {client}  send application_data record: complete record (72 octets)
  clientApplicationDataRecord: '1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b' +
    '62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4',
  // {server}  send application_data record: payload (50 octets)
  serverApplicationData: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
    '3031',
  // {server}  send application_data record: complete record (72 octets)
  serverApplicationDataRecord: '17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8' +
    'fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d',
  // {client}  send alert record: payload (2 octets)
  clientAlert: '0100',
  // {client}  send alert record: complete record (24 octets)
  clientAlertRecord: '1703030013c9872760655666b74d7ff1153efd6db6d0b0e3',
  // {server}  send alert record: payload (2 octets)
  serverAlert: '0100',
  // {server}  send alert record: complete record (24 octets)
  serverAlertRecord: '1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9',
  // RFC 8448 section 2: "The server in most examples uses an RSA certificate with a private key of"
  serverRsaPrivateKey: RFC8448_SERVER_RSA_KEY,
  serverRsaPrivateKeyPem: RFC8448_SERVER_RSA_KEY_PEM,
  serverCertificateDer: RFC8448_SERVER_CERTIFICATE_DER,
};

/** Every value of RFC 8448 section 5, "HelloRetryRequest". */
export interface Rfc8448HelloRetry {
  /** Client's X25519 private key (first ClientHello). */
  readonly clientX25519Private: string;
  /** Client's X25519 public key (first ClientHello's key_share). */
  readonly clientX25519Public: string;
  /** First ClientHello handshake message (X25519 share only). */
  readonly clientHello1: string;
  /** First ClientHello record as sent. */
  readonly clientHello1Record: string;
  /** HelloRetryRequest (a ServerHello with the special random) asking for secp256r1, with a cookie. */
  readonly helloRetryRequest: string;
  /** HelloRetryRequest record as sent. */
  readonly helloRetryRequestRecord: string;
  /** The cookie carried by the HelloRetryRequest (extension body without its length), echoed in ClientHello2. */
  readonly helloRetryRequestCookie: string;
  /** Client's P-256 private key (scalar). */
  readonly clientP256Private: string;
  /** Client's P-256 public key (uncompressed point). */
  readonly clientP256Public: string;
  /** Second ClientHello (P-256 share, cookie, padding). */
  readonly clientHello2: string;
  /** Second ClientHello record as sent (legacy_record_version 0x0303). */
  readonly clientHello2Record: string;
  /** Early Secret = HKDF-Extract(0, 0). */
  readonly earlySecret: string;
  /** Server's P-256 private key (scalar). */
  readonly serverP256Private: string;
  /** Server's P-256 public key (uncompressed point). */
  readonly serverP256Public: string;
  /** The real ServerHello. */
  readonly serverHello: string;
  /** SHA-256 of the empty string: the context of both "derived" secrets. */
  readonly emptyHash: string;
  /** HkdfLabel for "tls13 derived" (also used for the master "derived" step). */
  readonly derivedInfo: string;
  /** Derive-Secret(Early Secret, "derived", ""): salt of the handshake secret. */
  readonly derivedForHandshake: string;
  /** (EC)DHE shared secret: the IKM of the handshake secret. */
  readonly sharedSecret: string;
  /** Handshake Secret. */
  readonly handshakeSecret: string;
  /** Transcript-Hash(ClientHello1, HelloRetryRequest, ClientHello2, ServerHello) (ClientHello1 replaced by message_hash). */
  readonly helloTranscriptHash: string;
  /** HkdfLabel for "tls13 c hs traffic". */
  readonly clientHandshakeTrafficInfo: string;
  /** client_handshake_traffic_secret. */
  readonly clientHandshakeTrafficSecret: string;
  /** HkdfLabel for "tls13 s hs traffic". */
  readonly serverHandshakeTrafficInfo: string;
  /** server_handshake_traffic_secret. */
  readonly serverHandshakeTrafficSecret: string;
  /** Derive-Secret(Handshake Secret, "derived", ""): salt of the master secret. */
  readonly derivedForMaster: string;
  /** Master Secret = HKDF-Extract(derived, 0). */
  readonly masterSecret: string;
  /** ServerHello record as sent. */
  readonly serverHelloRecord: string;
  /** HkdfLabel for "tls13 key" with length 16. */
  readonly keyInfo: string;
  /** Server handshake write key (AES-128-GCM). */
  readonly serverHandshakeKey: string;
  /** HkdfLabel for "tls13 iv" with length 12. */
  readonly ivInfo: string;
  /** Server handshake write IV. */
  readonly serverHandshakeIv: string;
  /** EncryptedExtensions handshake message. */
  readonly encryptedExtensions: string;
  /** Certificate handshake message (one RSA certificate, no extensions). */
  readonly certificate: string;
  /** CertificateVerify handshake message (rsa_pss_rsae_sha256). */
  readonly certificateVerify: string;
  /** HkdfLabel for "tls13 finished" with empty context. */
  readonly finishedInfo: string;
  /** Server finished_key. */
  readonly serverFinishedKey: string;
  /** Server Finished verify_data. */
  readonly serverFinishedVerifyData: string;
  /** Server Finished handshake message. */
  readonly serverFinished: string;
  /** The complete protected record carrying EncryptedExtensions..Finished. */
  readonly serverEncryptedHandshakeRecord: string;
  /** Transcript-Hash(ClientHello..server Finished). */
  readonly serverFinishedTranscriptHash: string;
  /** HkdfLabel for "tls13 c ap traffic". */
  readonly clientApplicationTrafficInfo: string;
  /** client_application_traffic_secret_0. */
  readonly clientApplicationTrafficSecret0: string;
  /** HkdfLabel for "tls13 s ap traffic". */
  readonly serverApplicationTrafficInfo: string;
  /** server_application_traffic_secret_0. */
  readonly serverApplicationTrafficSecret0: string;
  /** HkdfLabel for "tls13 exp master". */
  readonly exporterMasterInfo: string;
  /** exporter_master_secret. */
  readonly exporterMasterSecret: string;
  /** Server application write key. */
  readonly serverApplicationKey: string;
  /** Server application write IV. */
  readonly serverApplicationIv: string;
  /** Client handshake write key (server reads with it). */
  readonly clientHandshakeKey: string;
  /** Client handshake write IV. */
  readonly clientHandshakeIv: string;
  /** Client finished_key. */
  readonly clientFinishedKey: string;
  /** Client Finished verify_data. */
  readonly clientFinishedVerifyData: string;
  /** Client Finished handshake message. */
  readonly clientFinished: string;
  /** The complete protected record carrying the client Finished. */
  readonly clientEncryptedHandshakeRecord: string;
  /** Client application write key. */
  readonly clientApplicationKey: string;
  /** Client application write IV. */
  readonly clientApplicationIv: string;
  /** Transcript-Hash(ClientHello..client Finished). */
  readonly clientFinishedTranscriptHash: string;
  /** HkdfLabel for "tls13 res master". */
  readonly resumptionMasterInfo: string;
  /** resumption_master_secret. */
  readonly resumptionMasterSecret: string;
  /** Alert the client sends (warning close_notify). */
  readonly clientAlert: string;
  /** The protected record carrying the client close_notify. */
  readonly clientAlertRecord: string;
  /** Alert the server sends (warning close_notify). */
  readonly serverAlert: string;
  /** The protected record carrying the server close_notify. */
  readonly serverAlertRecord: string;
  /** The server's RSA private key as the components RFC 8448 section 2 lists. */
  readonly serverRsaPrivateKey: Rfc8448RsaPrivateKey;
  /** The same RSA key as PKCS#8 PEM (built from the components with node:crypto). */
  readonly serverRsaPrivateKeyPem: string;
  /** DER of the server certificate: the first certificate_list entry of {@link certificate}. */
  readonly serverCertificateDer: string;
}

/**
 * RFC 8448 section 5. The client first offers only X25519; the server answers with a
 * HelloRetryRequest for secp256r1 with a cookie; the client retries with a P-256 share.
 * The RFC labels the HelloRetryRequest "ServerHello" (same message type).
 */
export const rfc8448HelloRetry: Rfc8448HelloRetry = {
  // {client}  create an ephemeral x25519 key pair: private key (32 octets)
  clientX25519Private: '0ed02f8e8117efc75ca7ac32aa7e34eda64cdc0ddad154a5e85289f959f63204',
  // {client}  create an ephemeral x25519 key pair: public key (32 octets)
  clientX25519Public: 'e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f',
  // {client}  construct a ClientHello handshake message: ClientHello (180 octets)
  clientHello1: '010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201' +
    '0000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3' +
    'f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603' +
    '020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // {client}  send handshake record: complete record (185 octets)
  clientHello1Record: '16030100b4010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f0000061301' +
    '13031302010000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d' +
    '0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e04' +
    '0305030603020308040805080604010501060102010402050206020202002d00020101001c00024001',
  // {server}  construct a ServerHello handshake message: ServerHello (176 octets)
  helloRetryRequest: '020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c00130100008400330002' +
    '0017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256' +
    '36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16' +
    'aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  // {server}  send handshake record: complete record (181 octets)
  helloRetryRequestRecord: '16030300b0020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c0013010000' +
    '84003300020017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd003095' +
    '3f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8b' +
    'e778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  // not listed by the RFC on its own: the cookie extension (0x002c) inside the HelloRetryRequest above
  helloRetryRequestCookie: '71dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc' +
    '654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9' +
    'e4c0342267e8ca0caf571fb2b7cff0f934b0',
  // {client}  create an ephemeral P-256 key pair: private key (32 octets)
  clientP256Private: 'ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39',
  // {client}  create an ephemeral P-256 key pair: public key (65 octets)
  clientP256Public: '04a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb' +
    '83954e76ba7352830534159897e8065780',
  // {client}  construct a ClientHello handshake message: ClientHello (512 octets)
  clientHello2: '010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201' +
    '0001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da' +
    '7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e' +
    '76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102' +
    '010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd00' +
    '30953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b' +
    '0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500' +
    'af0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '0000000000000000000000000000000000000000000000000000000000000000',
  // {client}  send handshake record: complete record (517 octets)
  clientHello2Record: '1603030200010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f0000061301' +
    '13031302010001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017' +
    '004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d691' +
    '0cfb83954e76ba7352830534159897e8065780002b0003020304000d0020001e04030503060302030804080508060401' +
    '0501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aa' +
    'cad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b' +
    '5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c0002' +
    '4001001500af000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000000000000000000000000000000000000000000000000000000000000000000000',
  // {server}  extract secret "early": secret (32 octets)
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  // {server}  create an ephemeral P-256 key pair: private key (32 octets)
  serverP256Private: '8c510601f9765bfb8ed693449a48989859b5cfa879cb9f5443c41c5ff10634ed',
  // {server}  create an ephemeral P-256 key pair: public key (65 octets)
  serverP256Public: '04583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3' +
    'd9c547bc6528c4317d294686093a6cad7d',
  // {server}  construct a ServerHello handshake message: ServerHello (123 octets)
  serverHello: '020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f00330045' +
    '0017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835' +
    '40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304',
  // {server}  derive secret for handshake "tls13 derived": hash (32 octets)
  emptyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  // {server}  derive secret for handshake "tls13 derived": info (49 octets)
  derivedInfo: '00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8' +
    '55',
  // {server}  derive secret for handshake "tls13 derived": expanded (32 octets)
  derivedForHandshake: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  // {server}  extract secret "handshake": IKM (32 octets)
  sharedSecret: 'c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4',
  // {server}  extract secret "handshake": secret (32 octets)
  handshakeSecret: 'ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148',
  // {server}  derive secret "tls13 c hs traffic": hash (32 octets)
  helloTranscriptHash: '8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8',
  // {server}  derive secret "tls13 c hs traffic": info (54 octets)
  clientHandshakeTrafficInfo: '002012746c73313320632068732074726166666963208aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfc' +
    'c21b438d7bf8',
  // {server}  derive secret "tls13 c hs traffic": expanded (32 octets)
  clientHandshakeTrafficSecret: '158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566',
  // {server}  derive secret "tls13 s hs traffic": info (54 octets)
  serverHandshakeTrafficInfo: '002012746c73313320732068732074726166666963208aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfc' +
    'c21b438d7bf8',
  // {server}  derive secret "tls13 s hs traffic": expanded (32 octets)
  serverHandshakeTrafficSecret: '3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1',
  // {server}  derive secret for master "tls13 derived": expanded (32 octets)
  derivedForMaster: 'ad1cbcd3a0dc7053eeb3ed3a47901d16a9fc63a73c64beb567481a7dfb3a2cb3',
  // {server}  extract secret "master": secret (32 octets)
  masterSecret: '1131545d0baf79ddce9b87f06945781a57dd18ef378dcd2060f8f9a569027ed8',
  // {server}  send handshake record: complete record (128 octets)
  serverHelloRecord: '160303007b020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b980013010000' +
    '4f003300450017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b' +
    '04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304',
  // {server}  derive write traffic keys for handshake data: key info (13 octets)
  keyInfo: '001009746c733133206b657900',
  // {server}  derive write traffic keys for handshake data: key expanded (16 octets)
  serverHandshakeKey: '4646bfac1712c426cd78d8a24a8a6f6b',
  // {server}  derive write traffic keys for handshake data: iv info (12 octets)
  ivInfo: '000c08746c73313320697600',
  // {server}  derive write traffic keys for handshake data: iv expanded (12 octets)
  serverHandshakeIv: 'c7d395c08d62f297d13768ea',
  // {server}  construct an EncryptedExtensions handshake message: EncryptedExtensions (28 octets)
  encryptedExtensions: '080000180016000a0008000600170018001d001c0002400100000000',
  // {server}  construct a Certificate handshake message: Certificate (445 octets)
  certificate: '0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a' +
    '06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a' +
    '0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98' +
    '0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312' +
    '0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0' +
    '3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355' +
    '1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f' +
    '8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102' +
    '702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8' +
    'f8961229ac9187b42b4de10000',
  // {server}  construct a CertificateVerify handshake message: CertificateVerify (136 octets)
  certificateVerify: '0f0000840804008033ab13d4462707231b5dcae6c8190b63d1dabc74f28c395370da0b07e5b83066d0246a31acd95df4' +
    '75bfd799a4a70d33ad93d3a317a9b2c0d237a5685b219e774112e391a247607d1aeff1bbd0a39f382ee1a5fe88ae99ec' +
    '59228e6497e45d48ce275a6d5ef40d169fb6f9d33b052ed3dcdd6b5a48baafffbcb290128415bd38',
  // {server}  calculate finished "tls13 finished": info (18 octets)
  finishedInfo: '00200e746c7331332066696e697368656400',
  // {server}  calculate finished "tls13 finished": expanded (32 octets)
  serverFinishedKey: 'e7f8bb3ea4b6c30c4710b3d09c3313658117e70b097e850368e2510ca5631f74',
  // {server}  calculate finished "tls13 finished": finished (32 octets)
  serverFinishedVerifyData: '8863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1',
  // {server}  construct a Finished handshake message: Finished (36 octets)
  serverFinished: '140000208863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1',
  // {server}  send handshake record: complete record (667 octets)
  serverEncryptedHandshakeRecord: '170303029699bee20baf5b7fc727bfab6223928a381e6d0cf9c4da653f9d2a7b23f7de11cce842d5cf75631763450ffb' +
    '8b0cc1d238e658af7a12adc86243114ab14a1da2fae42621ce483fb6242eabfaad52566b02b31d2eddedefeb80e66a99' +
    '00d5f973b40c4fdf74719ecf1b68d7f9c3b6ceb903ca13dd1bb8f8187ae33417e1d152522c5822a1a03ad52c838c5595' +
    '3d610222874cce8e1790b229a2aa0b53c8d377ee720182951dc6181dc5d90bd1f0105ed1e84aa5f75957c6661897079e' +
    '5ea5007449e3197bdc7c9beeedddeafdd844afa5c315ecfe65e576afe909812880620ec7048b42d7f5c78d76f299d6d8' +
    '2534bdd8f512febc0ed3814aca470cd8000d3e1cb9962b052fbb950df683a52c2ba77ed3713b122937a6e5170964e2ab' +
    '7969dcd980b3db9b458da7603124d6dc005e4d6e04b4d0c4baf3275db827dbba0a6db09672171fc057b3851d7e026841' +
    'e2978fbd2346bbefdd0376bb1108fe9acc92189f5650aa5e85d8e8c7b67ac510dba003d3d7e16350bb66d45013efd44c' +
    '9b607c0d318c4c7d1a1f5cbc57e20611804e3787d7b4a4b5f08ed8fd70bdaeade02260b12ab842ef690b4a3ee7911e84' +
    '1b374ecd5ebbbc2a54d047b600336dd7d0c88b4bc10e58ee6cb656de7247fa20d8e91deb84628608cf80615b62e96c14' +
    '91c7ac3755eb6901405d3474fe1ac79d106a0cee56c2577fc88480f96cb6b8c681b7b68b53c146093908f350888175bd' +
    'fb0b1e31ad61e30ba0adfe6d223aa03c0783b5001a57587c328a9afcfcfb978d1cd4328f7d9d60530e630befd96c0c81' +
    '6ee20b0100768ae2a6df51fc68f172740a79af11398ee3be1252491fa9c693479e877f94ab7c5f8cad480203e6ab7b87' +
    'dd71e8a0729113df17f5eee86ce108d1d72007ec1cd13c85a6c149621e77b7d78d805a30f0be030c315e54',
  // {server}  derive secret "tls13 c ap traffic": hash (32 octets)
  serverFinishedTranscriptHash: '50f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950b2b7ce9509da',
  // {server}  derive secret "tls13 c ap traffic": info (54 octets)
  clientApplicationTrafficInfo: '002012746c733133206320617020747261666669632050f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950' +
    'b2b7ce9509da',
  // {server}  derive secret "tls13 c ap traffic": expanded (32 octets)
  clientApplicationTrafficSecret0: '75ecf4b972525aa0dcd057c9944d4cd5d82671d8843141d7dc2a4ff15a21dc51',
  // {server}  derive secret "tls13 s ap traffic": info (54 octets)
  serverApplicationTrafficInfo: '002012746c733133207320617020747261666669632050f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950' +
    'b2b7ce9509da',
  // {server}  derive secret "tls13 s ap traffic": expanded (32 octets)
  serverApplicationTrafficSecret0: '5c74f87df04225db0f8209c9de6429e49435fdefa7cad61864874d12f31cfc8d',
  // {server}  derive secret "tls13 exp master": info (52 octets)
  exporterMasterInfo: '002010746c73313320657870206d61737465722050f63cbf36b0dd049e7a0ba27d6455745ea2aaac54bb167f9950b2b7' +
    'ce9509da',
  // {server}  derive secret "tls13 exp master": expanded (32 octets)
  exporterMasterSecret: '7c06d3ae106a3a374ace4837b3985cac67780a6e2c5c04b58319d584df09d223',
  // {server}  derive write traffic keys for application data: key expanded (16 octets)
  serverApplicationKey: 'f27a5d97bd25550c4823b0f3e5d29388',
  // {server}  derive write traffic keys for application data: iv expanded (12 octets)
  serverApplicationIv: '0dd631f7b71cbbc797c35fe7',
  // {server}  derive read traffic keys for handshake data: key expanded (16 octets)
  clientHandshakeKey: '2f1f918663d590e7421149a29d94b0b6',
  // {server}  derive read traffic keys for handshake data: iv expanded (12 octets)
  clientHandshakeIv: '414d5485235e1a688793bd74',
  // {client}  calculate finished "tls13 finished": expanded (32 octets)
  clientFinishedKey: '81be4131fbb9b6f4471450846f74fd1e68c5224ba7c2a8677f5c53ad226fdc13',
  // {client}  calculate finished "tls13 finished": finished (32 octets)
  clientFinishedVerifyData: '23f52fdb0709a55bd7f79b991f25484087bcfd4d4380b12326a52a28b2e368e1',
  // {client}  construct a Finished handshake message: Finished (36 octets)
  clientFinished: '1400002023f52fdb0709a55bd7f79b991f25484087bcfd4d4380b12326a52a28b2e368e1',
  // {client}  send handshake record: complete record (58 octets)
  clientEncryptedHandshakeRecord: '1703030035d74f1923c662fd34137c6f502f3dd2b93d951d1b3bc97e42afe23c31abea92fe91b474999e85e3b791ce25' +
    '2fe8c3e9f939a4120cb2',
  // {client}  derive write traffic keys for application data: key expanded (16 octets)
  clientApplicationKey: 'a7eb2a0525eb4331d58fcbf9f7ca2e9c',
  // {client}  derive write traffic keys for application data: iv expanded (12 octets)
  clientApplicationIv: '86e8be227c1bd2b3e39cb444',
  // {client}  derive secret "tls13 res master": hash (32 octets)
  clientFinishedTranscriptHash: '0e8b349158b855fdcd0c11dbbc4e83e43caa6e483c6c65df53151888e50165f4',
  // {client}  derive secret "tls13 res master": info (52 octets)
  resumptionMasterInfo: '002010746c73313320726573206d6173746572200e8b349158b855fdcd0c11dbbc4e83e43caa6e483c6c65df53151888' +
    'e50165f4',
  // {client}  derive secret "tls13 res master": expanded (32 octets)
  resumptionMasterSecret: '09170c6d472721566f9cf99b08699daff561ec8fb22d5a32c3f94ce009b69975',
  // {client}  send alert record: payload (2 octets)
  clientAlert: '0100',
  // {client}  send alert record: complete record (24 octets)
  clientAlertRecord: '17030300132ea6cdf749196023e2b3a49491695536426047',
  // {server}  send alert record: payload (2 octets)
  serverAlert: '0100',
  // {server}  send alert record: complete record (24 octets)
  serverAlertRecord: '1703030013519fc5075cb0884349759ff9ef6f011bb4c6f2',
  // RFC 8448 section 2: "The server in most examples uses an RSA certificate with a private key of"
  serverRsaPrivateKey: RFC8448_SERVER_RSA_KEY,
  serverRsaPrivateKeyPem: RFC8448_SERVER_RSA_KEY_PEM,
  serverCertificateDer: RFC8448_SERVER_CERTIFICATE_DER,
};

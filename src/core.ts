/**
 * The platform-neutral API of typessl: everything both entry points export. No `node:` module is
 * reachable from here; the entry points add the provider choice (`index.ts` on Node, `browser.ts`
 * elsewhere).
 */
export { portableCrypto, PortableCryptoProvider } from './crypto/portable.js';
export { setDefaultCryptoProvider, defaultCryptoProvider } from './crypto/default.js';
export type {
  CryptoProvider,
  PrivateKey,
  PublicKey,
  KeyShare,
  Aead,
  Hash,
  HmacKey,
  HashAlgorithm,
  AeadAlgorithm,
  SigningKeyKind,
  CertificateHash,
  CertificateSignatureAlgorithm,
} from './crypto/provider.js';
export { suiteInfo, suiteByName, TLS13_SUITES, type SuiteInfo } from './crypto/suites.js';
export * from './ssl/constants.js';
export { SslContext, type SslContextOptions, type SessionCallbacks, DEFAULT_NUM_TICKETS } from './ssl/context.js';
export { Ssl, type SslErrorInfo, type VerifyInfo } from './ssl/ssl.js';
export { Session } from './ssl/session.js';
export { SessionCache, type SessionCacheOptions } from './ssl/session-cache.js';
export { sessionToBytes, sessionFromBytes, SessionFormatError, SESSION_FORMAT_VERSION } from './ssl/session-codec.js';
export { TicketKeys, TICKET_KEY_LENGTH } from './ssl/ticket-keys.js';
export { BIO_EOF, BIO_ERROR, BIO_RETRY, type Bio } from './bio/bio.js';
export { MemoryBio } from './bio/memory.js';
export { BioPair, BioPairHalf } from './bio/pair.js';
export { Reason, TlsFailure } from './wire/errors.js';
export { AlertDescription, CipherSuite, NamedGroup, SignatureScheme, ProtocolVersion, alertName } from './wire/enums.js';
export { createSelfSignedCertificate, type SelfSignedCertificate, type SelfSignedOptions } from './x509/self-signed.js';
export { parseCertificate, parseCertificatesPem, type ParsedCertificate } from './x509/certificate.js';
export { pemDecode, pemEncode } from './x509/pem.js';
export type { HandshakeHooks, TicketToSend } from './engine/config.js';
export type { Negotiated, TraceEvent } from './engine/connection.js';
export { TrustStore, setPlatformRootSource, type TrustInput, type PlatformRootSource } from './x509/anchors.js';
export {
  verifyCertificateChain,
  DEFAULT_VERIFY_POLICY,
  type VerifyOptions,
  type VerifyPolicy,
  type VerifyCallback,
  type VerifyCallbackContext,
  type CertificateVerifyResult,
  type CertificatePurpose,
} from './x509/verify.js';
export { serviceIdentity, type ServiceIdentity } from './x509/hostname.js';
export * from './x509/verify-result.js';

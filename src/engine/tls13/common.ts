import type { CryptoProvider, PublicKey } from '../../crypto/provider.js';
import { AlertDescription } from '../../wire/enums.js';
import { Reason, TlsFailure } from '../../wire/errors.js';
import { encodeCertificate } from '../../wire/handshake.js';
import type { Extension } from '../../wire/messages.js';
import { ChainMessageCache } from '../chain-message-cache.js';
import { certificatePublicKey } from '../peer-key-cache.js';

const SPACES = new Uint8Array(64).fill(0x20);
const encoder = new TextEncoder();
const SERVER_CONTEXT = encoder.encode('TLS 1.3, server CertificateVerify');
const CLIENT_CONTEXT = encoder.encode('TLS 1.3, client CertificateVerify');

/** The content covered by a CertificateVerify signature (RFC 8446 4.4.3). */
export function certificateVerifyContent(role: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  const context = role === 'server' ? SERVER_CONTEXT : CLIENT_CONTEXT;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.set(SPACES);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/** Messages with an empty context: what a server sends for its chain on every full handshake. */
const EMPTY_CONTEXT_MESSAGES = new ChainMessageCache();

function encodeChain(chain: readonly Uint8Array[], context: Uint8Array): Uint8Array {
  return encodeCertificate({ context, entries: chain.map((data) => ({ data, extensions: [] })) });
}

/**
 * A Certificate message for a chain (TLS 1.3 form, no per-entry extensions). With an empty context
 * the bytes are shared (see ChainMessageCache): the caller must not change them.
 */
export function certificateMessage(chain: Uint8Array[], context: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (context.length > 0) return encodeChain(chain, context);
  return EMPTY_CONTEXT_MESSAGES.get(chain, (c) => encodeChain(c, context));
}

/** The peer leaf's public key (parsed once per distinct certificate), or bad_certificate when it cannot be read. */
export function leafPublicKey(provider: CryptoProvider, leaf: Uint8Array): PublicKey {
  try {
    return certificatePublicKey(provider, leaf);
  } catch (e) {
    if (e instanceof TlsFailure) throw e;
    throw new TlsFailure(AlertDescription.bad_certificate, Reason.SSL_R_BAD_CERTIFICATE, `cannot use the certificate's public key: ${(e as Error).message}`);
  }
}

/**
 * Whether a scheme may sign TLS 1.3 handshake messages: RSASSA-PKCS1-v1_5 and SHA-1 schemes are
 * for certificates only (RFC 8446 4.2.3).
 */
export function usableInTls13Handshake(scheme: number): boolean {
  const pkcs1 = (scheme & 0xff) === 0x01 && scheme >> 8 >= 0x02 && scheme >> 8 <= 0x06;
  const sha1 = scheme >> 8 === 0x02;
  return !pkcs1 && !sha1;
}

/**
 * Checks a peer's CertificateVerify: the scheme must be one we offered and fit a TLS 1.3 signature
 * (no PKCS#1 v1.5, no SHA-1), and the signature must verify over the transcript.
 */
export function checkCertificateVerify(
  provider: CryptoProvider,
  offered: number[],
  key: PublicKey,
  scheme: number,
  signature: Uint8Array,
  signerRole: 'client' | 'server',
  transcriptHash: Uint8Array,
): void {
  if (!offered.includes(scheme) || !usableInTls13Handshake(scheme)) {
    throw new TlsFailure(AlertDescription.illegal_parameter, Reason.SSL_R_WRONG_SIGNATURE_TYPE, `signature scheme 0x${scheme.toString(16)} was not offered or is not allowed in TLS 1.3`);
  }
  if (!provider.verify(scheme, key, certificateVerifyContent(signerRole, transcriptHash), signature)) {
    throw new TlsFailure(AlertDescription.decrypt_error, Reason.SSL_R_BAD_SIGNATURE, `the ${signerRole}'s CertificateVerify signature does not verify`);
  }
}

/**
 * Rejects extensions the receiver did not ask for: RFC 8446 4.2 says a response may only carry
 * extensions the client offered (unsupported_extension otherwise).
 */
export function checkSolicited(extensions: Extension[], offered: ReadonlySet<number>, where: string): void {
  for (const e of extensions) {
    if (!offered.has(e.type)) {
      throw new TlsFailure(AlertDescription.unsupported_extension, Reason.SSL_R_UNSOLICITED_EXTENSION, `${where} carries extension ${e.type}, which was not offered`);
    }
  }
}

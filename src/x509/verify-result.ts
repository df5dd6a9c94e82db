/**
 * Certificate verification results in OpenSSL's terms: the `X509_V_*` codes (same names and
 * numbers as OpenSSL 3's x509_vfy.h, so `getVerifyResult()` reads like `SSL_get_verify_result`),
 * their short texts (as `X509_verify_cert_error_string` prints them) and the TLS alert each one
 * is reported with (following OpenSSL's `ssl_x509err2alert` table, except that an untrusted
 * self-signed peer certificate is unknown_ca and unfit certificates are unsupported_certificate).
 */
import { AlertDescription } from '../wire/enums.js';

export const X509_V_OK = 0;
export const X509_V_ERR_UNSPECIFIED = 1;
export const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT = 2;
export const X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY = 6;
export const X509_V_ERR_CERT_SIGNATURE_FAILURE = 7;
export const X509_V_ERR_CERT_NOT_YET_VALID = 9;
export const X509_V_ERR_CERT_HAS_EXPIRED = 10;
export const X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT = 18;
export const X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN = 19;
export const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
export const X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21;
export const X509_V_ERR_CERT_CHAIN_TOO_LONG = 22;
export const X509_V_ERR_PATH_LENGTH_EXCEEDED = 25;
export const X509_V_ERR_INVALID_PURPOSE = 26;
export const X509_V_ERR_CERT_UNTRUSTED = 27;
export const X509_V_ERR_CERT_REJECTED = 28;
export const X509_V_ERR_KEYUSAGE_NO_CERTSIGN = 32;
export const X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION = 34;
export const X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE = 39;
export const X509_V_ERR_INVALID_EXTENSION = 41;
export const X509_V_ERR_PERMITTED_VIOLATION = 47;
export const X509_V_ERR_EXCLUDED_VIOLATION = 48;
export const X509_V_ERR_APPLICATION_VERIFICATION = 50;
export const X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE = 51;
export const X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX = 52;
export const X509_V_ERR_HOSTNAME_MISMATCH = 62;
export const X509_V_ERR_IP_ADDRESS_MISMATCH = 64;
export const X509_V_ERR_EE_KEY_TOO_SMALL = 66;
export const X509_V_ERR_CA_KEY_TOO_SMALL = 67;
export const X509_V_ERR_CA_MD_TOO_WEAK = 68;
export const X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM = 76;
export const X509_V_ERR_INVALID_CA = 79;

/** Short texts, as OpenSSL 3's X509_verify_cert_error_string. */
const TEXTS: Readonly<Record<number, string>> = {
  [X509_V_OK]: 'ok',
  [X509_V_ERR_UNSPECIFIED]: 'unspecified certificate verification error',
  [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT]: 'unable to get issuer certificate',
  [X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY]: 'unable to decode issuer public key',
  [X509_V_ERR_CERT_SIGNATURE_FAILURE]: 'certificate signature failure',
  [X509_V_ERR_CERT_NOT_YET_VALID]: 'certificate is not yet valid',
  [X509_V_ERR_CERT_HAS_EXPIRED]: 'certificate has expired',
  [X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT]: 'self-signed certificate',
  [X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN]: 'self-signed certificate in certificate chain',
  [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY]: 'unable to get local issuer certificate',
  [X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE]: 'unable to verify the first certificate',
  [X509_V_ERR_CERT_CHAIN_TOO_LONG]: 'certificate chain too long',
  [X509_V_ERR_PATH_LENGTH_EXCEEDED]: 'path length constraint exceeded',
  [X509_V_ERR_INVALID_PURPOSE]: 'unsuitable certificate purpose',
  [X509_V_ERR_CERT_UNTRUSTED]: 'certificate not trusted',
  [X509_V_ERR_CERT_REJECTED]: 'certificate rejected',
  [X509_V_ERR_KEYUSAGE_NO_CERTSIGN]: 'key usage does not include certificate signing',
  [X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION]: 'unhandled critical extension',
  [X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE]: 'key usage does not include digital signature',
  [X509_V_ERR_INVALID_EXTENSION]: 'invalid or inconsistent certificate extension',
  [X509_V_ERR_PERMITTED_VIOLATION]: 'permitted subtree violation',
  [X509_V_ERR_EXCLUDED_VIOLATION]: 'excluded subtree violation',
  [X509_V_ERR_APPLICATION_VERIFICATION]: 'application verification failure',
  [X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE]: 'unsupported name constraint type',
  [X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX]: 'unsupported or invalid name constraint syntax',
  [X509_V_ERR_HOSTNAME_MISMATCH]: 'hostname mismatch',
  [X509_V_ERR_IP_ADDRESS_MISMATCH]: 'IP address mismatch',
  [X509_V_ERR_EE_KEY_TOO_SMALL]: 'EE certificate key too weak',
  [X509_V_ERR_CA_KEY_TOO_SMALL]: 'CA certificate key too weak',
  [X509_V_ERR_CA_MD_TOO_WEAK]: 'CA signature digest algorithm too weak',
  [X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM]: 'unsupported signature algorithm',
  [X509_V_ERR_INVALID_CA]: 'invalid CA certificate',
};

/** Names of the codes (`X509_V_ERR_CERT_HAS_EXPIRED`), for messages and logs. */
const NAMES: Readonly<Record<number, string>> = {
  [X509_V_OK]: 'X509_V_OK',
  [X509_V_ERR_UNSPECIFIED]: 'X509_V_ERR_UNSPECIFIED',
  [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT]: 'X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT',
  [X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY]: 'X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  [X509_V_ERR_CERT_SIGNATURE_FAILURE]: 'X509_V_ERR_CERT_SIGNATURE_FAILURE',
  [X509_V_ERR_CERT_NOT_YET_VALID]: 'X509_V_ERR_CERT_NOT_YET_VALID',
  [X509_V_ERR_CERT_HAS_EXPIRED]: 'X509_V_ERR_CERT_HAS_EXPIRED',
  [X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT]: 'X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT',
  [X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN]: 'X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN',
  [X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY]: 'X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  [X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE]: 'X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  [X509_V_ERR_CERT_CHAIN_TOO_LONG]: 'X509_V_ERR_CERT_CHAIN_TOO_LONG',
  [X509_V_ERR_PATH_LENGTH_EXCEEDED]: 'X509_V_ERR_PATH_LENGTH_EXCEEDED',
  [X509_V_ERR_INVALID_PURPOSE]: 'X509_V_ERR_INVALID_PURPOSE',
  [X509_V_ERR_CERT_UNTRUSTED]: 'X509_V_ERR_CERT_UNTRUSTED',
  [X509_V_ERR_CERT_REJECTED]: 'X509_V_ERR_CERT_REJECTED',
  [X509_V_ERR_KEYUSAGE_NO_CERTSIGN]: 'X509_V_ERR_KEYUSAGE_NO_CERTSIGN',
  [X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION]: 'X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION',
  [X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE]: 'X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE',
  [X509_V_ERR_INVALID_EXTENSION]: 'X509_V_ERR_INVALID_EXTENSION',
  [X509_V_ERR_PERMITTED_VIOLATION]: 'X509_V_ERR_PERMITTED_VIOLATION',
  [X509_V_ERR_EXCLUDED_VIOLATION]: 'X509_V_ERR_EXCLUDED_VIOLATION',
  [X509_V_ERR_APPLICATION_VERIFICATION]: 'X509_V_ERR_APPLICATION_VERIFICATION',
  [X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE]: 'X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE',
  [X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX]: 'X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX',
  [X509_V_ERR_HOSTNAME_MISMATCH]: 'X509_V_ERR_HOSTNAME_MISMATCH',
  [X509_V_ERR_IP_ADDRESS_MISMATCH]: 'X509_V_ERR_IP_ADDRESS_MISMATCH',
  [X509_V_ERR_EE_KEY_TOO_SMALL]: 'X509_V_ERR_EE_KEY_TOO_SMALL',
  [X509_V_ERR_CA_KEY_TOO_SMALL]: 'X509_V_ERR_CA_KEY_TOO_SMALL',
  [X509_V_ERR_CA_MD_TOO_WEAK]: 'X509_V_ERR_CA_MD_TOO_WEAK',
  [X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM]: 'X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM',
  [X509_V_ERR_INVALID_CA]: 'X509_V_ERR_INVALID_CA',
};

/** OpenSSL's short text for a code (X509_verify_cert_error_string). */
export function verifyErrorString(code: number): string {
  return TEXTS[code] ?? `error number ${code}`;
}

/** The constant's name for a code (`X509_V_ERR_HOSTNAME_MISMATCH`). */
export function verifyErrorName(code: number): string {
  return NAMES[code] ?? `X509_V_ERR_${code}`;
}

/**
 * The alert a failed verification is reported with, as OpenSSL's ssl_x509err2alert: an unknown or
 * untrusted issuer is unknown_ca, an expired certificate certificate_expired, a certificate unfit
 * for the purpose unsupported_certificate, a bad signature decrypt_error, most others
 * bad_certificate.
 */
export function alertForVerifyError(code: number): AlertDescription {
  switch (code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    // An untrusted self-signed peer certificate: no known anchor (RFC 8446 6.2 unknown_ca).
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_CA:
      return AlertDescription.unknown_ca;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return AlertDescription.certificate_expired;
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
    case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
      return AlertDescription.unsupported_certificate;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return AlertDescription.decrypt_error;
    case X509_V_ERR_APPLICATION_VERIFICATION:
      return AlertDescription.handshake_failure;
    default:
      return AlertDescription.bad_certificate;
  }
}

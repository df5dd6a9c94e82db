import { AlertDescription, alertName } from './enums.js';

/**
 * OpenSSL-style reason names. Where OpenSSL has an `SSL_R_*` for the condition, the name is
 * OpenSSL's, so code and log searches carry over; names OpenSSL lacks are typessl's own and say
 * so in their comment.
 */
export const Reason = {
  // Decoding and framing.
  SSL_R_LENGTH_MISMATCH: 'SSL_R_LENGTH_MISMATCH',
  SSL_R_BAD_PACKET_LENGTH: 'SSL_R_BAD_PACKET_LENGTH',
  SSL_R_BAD_EXTENSION: 'SSL_R_BAD_EXTENSION',
  /** typessl: the same extension type appeared twice in one message (RFC 8446 4.2). */
  SSL_R_DUPLICATE_EXTENSION: 'SSL_R_DUPLICATE_EXTENSION',
  SSL_R_UNSOLICITED_EXTENSION: 'SSL_R_UNSOLICITED_EXTENSION',
  /** typessl: a required extension is absent (alert missing_extension). */
  SSL_R_MISSING_EXTENSION: 'SSL_R_MISSING_EXTENSION',
  SSL_R_EXCESSIVE_MESSAGE_SIZE: 'SSL_R_EXCESSIVE_MESSAGE_SIZE',
  SSL_R_WRONG_VERSION_NUMBER: 'SSL_R_WRONG_VERSION_NUMBER',
  SSL_R_PACKET_LENGTH_TOO_LONG: 'SSL_R_PACKET_LENGTH_TOO_LONG',
  SSL_R_ENCRYPTED_LENGTH_TOO_LONG: 'SSL_R_ENCRYPTED_LENGTH_TOO_LONG',
  SSL_R_DATA_LENGTH_TOO_LONG: 'SSL_R_DATA_LENGTH_TOO_LONG',
  SSL_R_RECORD_TOO_SMALL: 'SSL_R_RECORD_TOO_SMALL',
  SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: 'SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
  SSL_R_UNEXPECTED_MESSAGE: 'SSL_R_UNEXPECTED_MESSAGE',
  SSL_R_UNEXPECTED_RECORD: 'SSL_R_UNEXPECTED_RECORD',
  SSL_R_UNKNOWN_RECORD_TYPE: 'SSL_R_UNKNOWN_RECORD_TYPE',
  SSL_R_BAD_RECORD_TYPE: 'SSL_R_BAD_RECORD_TYPE',
  SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA: 'SSL_R_MIXED_HANDSHAKE_AND_NON_HANDSHAKE_DATA',
  SSL_R_HTTP_REQUEST: 'SSL_R_HTTP_REQUEST',
  SSL_R_HTTPS_PROXY_REQUEST: 'SSL_R_HTTPS_PROXY_REQUEST',
  SSL_R_BAD_CHANGE_CIPHER_SPEC: 'SSL_R_BAD_CHANGE_CIPHER_SPEC',
  SSL_R_NOT_ON_RECORD_BOUNDARY: 'SSL_R_NOT_ON_RECORD_BOUNDARY',
  SSL_R_INVALID_ALERT: 'SSL_R_INVALID_ALERT',
  SSL_R_TOO_MANY_WARN_ALERTS: 'SSL_R_TOO_MANY_WARN_ALERTS',
  SSL_R_UNKNOWN_ALERT_TYPE: 'SSL_R_UNKNOWN_ALERT_TYPE',
  /** typessl: the peer sent too many empty or non-progressing records in a row. */
  SSL_R_TOO_MANY_EMPTY_RECORDS: 'SSL_R_TOO_MANY_EMPTY_RECORDS',
  // Negotiation.
  SSL_R_UNSUPPORTED_PROTOCOL: 'SSL_R_UNSUPPORTED_PROTOCOL',
  SSL_R_BAD_LEGACY_VERSION: 'SSL_R_BAD_LEGACY_VERSION',
  SSL_R_NO_SHARED_CIPHER: 'SSL_R_NO_SHARED_CIPHER',
  SSL_R_WRONG_CIPHER_RETURNED: 'SSL_R_WRONG_CIPHER_RETURNED',
  SSL_R_NO_SUITABLE_KEY_SHARE: 'SSL_R_NO_SUITABLE_KEY_SHARE',
  SSL_R_BAD_KEY_SHARE: 'SSL_R_BAD_KEY_SHARE',
  SSL_R_NO_SHARED_GROUPS: 'SSL_R_NO_SHARED_GROUPS',
  SSL_R_BAD_HELLO_RETRY_REQUEST: 'SSL_R_BAD_HELLO_RETRY_REQUEST',
  SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS: 'SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS',
  SSL_R_WRONG_SIGNATURE_TYPE: 'SSL_R_WRONG_SIGNATURE_TYPE',
  SSL_R_NO_APPLICATION_PROTOCOL: 'SSL_R_NO_APPLICATION_PROTOCOL',
  SSL_R_BAD_COMPRESSION: 'SSL_R_BAD_COMPRESSION',
  SSL_R_BAD_SESSION_ID: 'SSL_R_BAD_SESSION_ID',
  SSL_R_INAPPROPRIATE_FALLBACK: 'SSL_R_INAPPROPRIATE_FALLBACK',
  SSL_R_BAD_RECORD_SIZE_LIMIT: 'SSL_R_BAD_RECORD_SIZE_LIMIT',
  // TLS 1.2 negotiation.
  SSL_R_CCS_RECEIVED_EARLY: 'SSL_R_CCS_RECEIVED_EARLY',
  SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED: 'SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED',
  SSL_R_RENEGOTIATION_MISMATCH: 'SSL_R_RENEGOTIATION_MISMATCH',
  SSL_R_WRONG_CURVE: 'SSL_R_WRONG_CURVE',
  SSL_R_WRONG_CERTIFICATE_TYPE: 'SSL_R_WRONG_CERTIFICATE_TYPE',
  SSL_R_TLS_INVALID_ECPOINTFORMAT_LIST: 'SSL_R_TLS_INVALID_ECPOINTFORMAT_LIST',
  SSL_R_NO_COMPRESSION_SPECIFIED: 'SSL_R_NO_COMPRESSION_SPECIFIED',
  /** typessl: the peer does not do the RFC 7627 extended master secret, which we require. */
  SSL_R_EXTENDED_MASTER_SECRET_REQUIRED: 'SSL_R_EXTENDED_MASTER_SECRET_REQUIRED',
  // Authentication.
  SSL_R_BAD_SIGNATURE: 'SSL_R_BAD_SIGNATURE',
  SSL_R_DIGEST_CHECK_FAILED: 'SSL_R_DIGEST_CHECK_FAILED',
  SSL_R_BAD_CERTIFICATE: 'SSL_R_BAD_CERTIFICATE',
  SSL_R_CERTIFICATE_VERIFY_FAILED: 'SSL_R_CERTIFICATE_VERIFY_FAILED',
  SSL_R_NO_CERTIFICATE_SET: 'SSL_R_NO_CERTIFICATE_SET',
  SSL_R_NO_PRIVATE_KEY_ASSIGNED: 'SSL_R_NO_PRIVATE_KEY_ASSIGNED',
  SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE',
  /** A TLS 1.2 client sent a certificate but went on without its CertificateVerify. */
  SSL_R_MISSING_VERIFY_MESSAGE: 'SSL_R_MISSING_VERIFY_MESSAGE',
  // Resumption.
  SSL_R_BINDER_DOES_NOT_VERIFY: 'SSL_R_BINDER_DOES_NOT_VERIFY',
  SSL_R_BAD_PSK_IDENTITY: 'SSL_R_BAD_PSK_IDENTITY',
  SSL_R_BAD_PSK: 'SSL_R_BAD_PSK',
  SSL_R_MISSING_PSK_KEX_MODES_EXTENSION: 'SSL_R_MISSING_PSK_KEX_MODES_EXTENSION',
  /** TLS 1.2 resumption where the extended master secret use differs from the session's (RFC 7627 5.3). */
  SSL_R_INCONSISTENT_EXTMS: 'SSL_R_INCONSISTENT_EXTMS',
  /** A TLS 1.2 server resumed a session with another cipher suite than the session's. */
  SSL_R_OLD_SESSION_CIPHER_NOT_RETURNED: 'SSL_R_OLD_SESSION_CIPHER_NOT_RETURNED',
  /** typessl: a client was configured with neither trust anchors nor the explicit insecure option. */
  SSL_R_NO_VERIFICATION_CONFIGURED: 'SSL_R_NO_VERIFICATION_CONFIGURED',
  // Connection state (ssl/ layer).
  SSL_R_PROTOCOL_IS_SHUTDOWN: 'SSL_R_PROTOCOL_IS_SHUTDOWN',
  SSL_R_SHUTDOWN_WHILE_IN_INIT: 'SSL_R_SHUTDOWN_WHILE_IN_INIT',
  SSL_R_UNEXPECTED_EOF_WHILE_READING: 'SSL_R_UNEXPECTED_EOF_WHILE_READING',
  SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY: 'SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY',
  SSL_R_UNINITIALIZED: 'SSL_R_UNINITIALIZED',
  SSL_R_BAD_LENGTH: 'SSL_R_BAD_LENGTH',
  /** typessl: an operation on an `Ssl` after `free()`. */
  SSL_R_SSL_FREED: 'SSL_R_SSL_FREED',
  /** typessl: the BIO reported a hard error (not a retry and not EOF). */
  SSL_R_BIO_ERROR: 'SSL_R_BIO_ERROR',
  SSL_R_INTERNAL_ERROR: 'SSL_R_INTERNAL_ERROR',
  SSL_R_BAD_VALUE: 'SSL_R_BAD_VALUE',
  SSL_R_RENEGOTIATION_NOT_SUPPORTED: 'SSL_R_RENEGOTIATION_NOT_SUPPORTED',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason] | `SSL_R_${string}`;

/** The reason OpenSSL reports for a received alert, e.g. `SSL_R_TLSV1_ALERT_DECODE_ERROR`. */
export function receivedAlertReason(description: number): Reason {
  const sslv3 = new Set<number>([
    AlertDescription.close_notify,
    AlertDescription.unexpected_message,
    AlertDescription.bad_record_mac,
    AlertDescription.handshake_failure,
    AlertDescription.bad_certificate,
    AlertDescription.unsupported_certificate,
    AlertDescription.certificate_revoked,
    AlertDescription.certificate_expired,
    AlertDescription.certificate_unknown,
    AlertDescription.illegal_parameter,
  ]);
  const name = alertName(description).toUpperCase();
  return `SSL_R_${sslv3.has(description) ? 'SSLV3' : 'TLSV1'}_ALERT_${name}`;
}

/**
 * A protocol failure found while processing peer input or a caller request. Carries the alert
 * to send (null when none may be sent) and the reason. Thrown inside the engine only: the `Ssl`
 * API catches it and turns it into `SSL_ERROR_SSL`; it never escapes to callers.
 */
export class TlsFailure extends Error {
  constructor(
    /** Alert to send to the peer, or null when no alert may be sent. */
    readonly alert: AlertDescription | null,
    /** OpenSSL-style reason name. */
    readonly reason: Reason,
    /** A sentence for people: what was wrong. */
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'TlsFailure';
  }
}

/**
 * `make()`'s error built without capturing a stack trace. For failures the peer causes on every
 * connection it drops (a transport closed without close_notify: browsers and load testers close
 * their sockets that way): capturing the stack walks and summarizes every optimized frame below
 * the event that found the EOF, which cost a server about 24 us per such connection (perf), more
 * than any single step of its handshake but the public-key operations. Those frames name only
 * typessl's and Node's event plumbing, never the caller's code, so the stack tells nothing the
 * reason and message do not.
 */
export function withoutStackTrace<T>(make: () => T): T {
  // Where the limit cannot be set (frozen intrinsics, as under SES lockdown, where assigning it
  // would throw), the error keeps its stack: slower, never wrong.
  if (!Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable) return make();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Shorthand for the most common failure: the peer's bytes do not parse. */
export function decodeError(detail: string, reason: Reason = Reason.SSL_R_LENGTH_MISMATCH): TlsFailure {
  return new TlsFailure(AlertDescription.decode_error, reason, detail);
}

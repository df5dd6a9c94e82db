/**
 * typessl/openssl: C shutdown code ported line by line. Each block mirrors a C sequence (shown in
 * the comments) and checks the C return values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BIO_new_bio_pair,
  BIO_new_mem,
  BIO_read,
  BIO_set_mem_eof_return,
  BIO_write,
  SSL_CTX_new,
  SSL_CTX_set_options,
  SSL_CTX_set_quiet_shutdown,
  SSL_ERROR_NONE,
  SSL_ERROR_SSL,
  SSL_ERROR_WANT_READ,
  SSL_ERROR_ZERO_RETURN,
  SSL_OP_IGNORE_UNEXPECTED_EOF,
  SSL_RECEIVED_SHUTDOWN,
  SSL_SENT_SHUTDOWN,
  SSL_SESSION_is_resumable,
  SSL_do_handshake,
  SSL_free,
  SSL_get_error,
  SSL_get_error_reason,
  SSL_get_quiet_shutdown,
  SSL_get_session,
  SSL_get_shutdown,
  SSL_get_version,
  SSL_new,
  SSL_read,
  SSL_set_accept_state,
  SSL_set_bio,
  SSL_set_connect_state,
  SSL_set_shutdown,
  SSL_set_tlsext_host_name,
  SSL_shutdown,
  SSL_write,
  type SSL,
  type SSL_CTX,
  SSL_CTX_load_verify_pem,
  SSL_set1_host,
  SSL_get_verify_result,
  X509_verify_cert_error_string,
  X509_V_OK,
  X509_V_ERR_HOSTNAME_MISMATCH,
} from '../src/openssl.js';
import { ticketIssuer } from './conformance/harness.js';
import { testCertificate } from './helpers/memory-pair.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** SSL_CTX_new for each side, as a C test would set them up (certificate, trust, tickets). */
function contexts(serverExtra: object = {}): { sctx: SSL_CTX; cctx: SSL_CTX } {
  const cert = testCertificate();
  const sctx = SSL_CTX_new({ certificate: cert.certificatePem, privateKey: cert.privateKeyPem, ...serverExtra });
  const cctx = SSL_CTX_new({ trustedCertificates: cert.certificatePem });
  return { sctx, cctx };
}

/** The usual C loop: call SSL_do_handshake on both until both return 1 (BIO pair: no copying). */
function doHandshakes(c: SSL, s: SSL): void {
  let rc = 0;
  let rs = 0;
  for (let i = 0; i < 10 && (rc !== 1 || rs !== 1); i++) {
    if (rc !== 1) rc = SSL_do_handshake(c);
    if (rs !== 1) rs = SSL_do_handshake(s);
    for (const [ssl, r] of [[c, rc], [s, rs]] as const) {
      if (r !== 1) assert.equal(SSL_get_error(ssl, r), SSL_ERROR_WANT_READ, String(SSL_get_error_reason(ssl)));
    }
  }
  assert.deepEqual([rc, rs], [1, 1]);
}

test('C port: BIO pair, handshake, write/read, bidirectional SSL_shutdown 0/ZERO_RETURN/1/1', () => {
  const { sctx, cctx } = contexts();
  // SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
  const c = SSL_new(cctx);
  const s = SSL_new(sctx);
  // BIO_new_bio_pair(&cbio, 0, &sbio, 0); SSL_set_bio(c, cbio, cbio); SSL_set_bio(s, sbio, sbio);
  const [cbio, sbio] = BIO_new_bio_pair();
  SSL_set_bio(c, cbio, cbio);
  SSL_set_bio(s, sbio, sbio);
  // SSL_set_connect_state(c); SSL_set_tlsext_host_name(c, "localhost"); SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  assert.equal(SSL_set_tlsext_host_name(c, 'localhost'), 1);
  SSL_set_accept_state(s);
  doHandshakes(c, s);
  assert.equal(SSL_get_version(c), 'TLSv1.3');
  // if (SSL_write(c, "hello", 5) != 5) goto err;
  assert.equal(SSL_write(c, enc('hello'), 5), 5);
  // n = SSL_read(s, buf, sizeof(buf));
  const buf = new Uint8Array(64);
  assert.equal(SSL_read(s, buf, buf.length), 5);
  // ret = SSL_shutdown(c);            -> 0: our close_notify is out
  let ret = SSL_shutdown(c);
  assert.equal(ret, 0);
  assert.equal(SSL_get_error(c, ret), SSL_ERROR_NONE);
  assert.equal(SSL_get_shutdown(c), SSL_SENT_SHUTDOWN);
  // n = SSL_read(s, buf, sizeof(buf)); SSL_get_error(s, n) == SSL_ERROR_ZERO_RETURN
  const n = SSL_read(s, buf, buf.length);
  assert.equal(n, 0);
  assert.equal(SSL_get_error(s, n), SSL_ERROR_ZERO_RETURN);
  assert.equal(SSL_get_shutdown(s), SSL_RECEIVED_SHUTDOWN);
  // SSL_shutdown(s) == 1: the peer closed first, ours goes out and it is done
  assert.equal(SSL_shutdown(s), 1);
  // ret = SSL_shutdown(c) == 1: the second call got the server's close_notify
  ret = SSL_shutdown(c);
  assert.equal(ret, 1);
  assert.equal(SSL_get_shutdown(c), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  // SSL_free(c); SSL_free(s);
  SSL_free(c);
  SSL_free(s);
});

test('C port: quiet shutdown from the context, SSL_set_shutdown before SSL_free keeps the session', () => {
  const { sctx, cctx } = contexts({ issueTickets: ticketIssuer(1) });
  // SSL_CTX_set_quiet_shutdown(sctx, 1);
  SSL_CTX_set_quiet_shutdown(sctx, 1);
  const c = SSL_new(cctx);
  const s = SSL_new(sctx);
  assert.equal(SSL_get_quiet_shutdown(s), 1);
  const [cbio, sbio] = BIO_new_bio_pair();
  SSL_set_bio(c, cbio, cbio);
  SSL_set_bio(s, sbio, sbio);
  SSL_set_connect_state(c);
  // A verifying client names the server it expects (here also sent as SNI).
  SSL_set_tlsext_host_name(c, 'localhost');
  SSL_set_accept_state(s);
  doHandshakes(c, s);
  // SSL_SESSION *sess = SSL_get_session(s);
  const sess = SSL_get_session(s)!;
  assert.equal(SSL_SESSION_is_resumable(sess), 1);
  // SSL_shutdown(s) == 1, nothing sent (quiet)
  const queued = sbio.writePending();
  assert.equal(SSL_shutdown(s), 1);
  assert.equal(sbio.writePending(), queued, 'no close_notify added');
  // The client aborts: SSL_set_shutdown(c, SSL_SENT_SHUTDOWN|SSL_RECEIVED_SHUTDOWN); SSL_free(c);
  SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(c);
  SSL_free(s);
  assert.equal(SSL_SESSION_is_resumable(sess), 1, 'a shutdown with SENT_SHUTDOWN set keeps the session');
});

test('C port: memory BIOs with BIO_set_mem_eof_return(rbio, 0): SSL_read reports SSL_ERROR_SSL / unexpected EOF, or ZERO_RETURN with SSL_OP_IGNORE_UNEXPECTED_EOF', () => {
  for (const ignore of [false, true]) {
    const { sctx, cctx } = contexts();
    if (ignore) SSL_CTX_set_options(cctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    const c = SSL_new(cctx);
    const s = SSL_new(sctx);
    // BIO *crbio = BIO_new(BIO_s_mem()), *cwbio = ..., same for the server
    const [crbio, cwbio, srbio, swbio] = [BIO_new_mem(), BIO_new_mem(), BIO_new_mem(), BIO_new_mem()];
    SSL_set_bio(c, crbio, cwbio);
    SSL_set_bio(s, srbio, swbio);
    SSL_set_connect_state(c);
    SSL_set_tlsext_host_name(c, 'localhost');
    SSL_set_accept_state(s);
    // Pump: BIO_read from one side's wbio, BIO_write into the other's rbio.
    const pump = (): void => {
      const tmp = new Uint8Array(1 << 16);
      for (const [from, to] of [[cwbio, srbio], [swbio, crbio]] as const) {
        for (let k = BIO_read(from, tmp, tmp.length); k > 0; k = BIO_read(from, tmp, tmp.length)) assert.equal(BIO_write(to, tmp, k), k);
      }
    };
    let rc = 0;
    let rs = 0;
    for (let i = 0; i < 10 && (rc !== 1 || rs !== 1); i++) {
      rc = rc === 1 ? 1 : SSL_do_handshake(c);
      rs = rs === 1 ? 1 : SSL_do_handshake(s);
      pump();
    }
    assert.deepEqual([rc, rs], [1, 1]);
    // The server's process dies: the client's transport reports EOF.
    BIO_set_mem_eof_return(crbio, 0);
    const buf = new Uint8Array(16);
    // Drain the session ticket(s) and reach the EOF.
    let n = SSL_read(c, buf, buf.length);
    if (ignore) {
      assert.equal(n, 0);
      assert.equal(SSL_get_error(c, n), SSL_ERROR_ZERO_RETURN);
    } else {
      assert.ok(n <= 0);
      assert.equal(SSL_get_error(c, n), SSL_ERROR_SSL);
      assert.equal(SSL_get_error_reason(c), 'SSL_R_UNEXPECTED_EOF_WHILE_READING');
    }
    n = SSL_shutdown(c);
    assert.equal(n, ignore ? 1 : -1, 'SSL_shutdown after the EOF');
    SSL_free(c);
    SSL_free(s);
  }
});

test('typessl/openssl covers the C API of the shutdown model: every name of the issue list is a function or constant', async () => {
  const api = (await import('../src/openssl.js')) as Record<string, unknown>;
  const functions = [
    'SSL_CTX_new', 'SSL_CTX_set_quiet_shutdown', 'SSL_CTX_get_quiet_shutdown', 'SSL_CTX_set_options', 'SSL_CTX_clear_options',
    'SSL_CTX_get_options', 'SSL_CTX_set_session_cache_mode', 'SSL_CTX_get_session_cache_mode',
    'SSL_new', 'SSL_connect', 'SSL_accept', 'SSL_set_connect_state', 'SSL_set_accept_state', 'SSL_do_handshake', 'SSL_read',
    'SSL_peek', 'SSL_write', 'SSL_pending', 'SSL_shutdown', 'SSL_get_error', 'SSL_get_shutdown', 'SSL_set_shutdown',
    'SSL_set_quiet_shutdown', 'SSL_get_quiet_shutdown', 'SSL_clear', 'SSL_free', 'SSL_set_bio', 'SSL_get_session',
    'SSL_set_session', 'SSL_session_reused', 'SSL_is_init_finished', 'SSL_get_error_reason', 'SSL_SESSION_is_resumable',
    'BIO_new_mem', 'BIO_set_mem_eof_return', 'BIO_new_bio_pair', 'BIO_shutdown_wr', 'BIO_read', 'BIO_write', 'BIO_pending',
  ];
  assert.deepEqual(functions.filter((n) => typeof api[n] !== 'function'), []);
  const constants: Record<string, number> = {
    SSL_ERROR_NONE: 0, SSL_ERROR_SSL: 1, SSL_ERROR_WANT_READ: 2, SSL_ERROR_WANT_WRITE: 3, SSL_ERROR_SYSCALL: 5,
    SSL_ERROR_ZERO_RETURN: 6, SSL_SENT_SHUTDOWN: 1, SSL_RECEIVED_SHUTDOWN: 2,
  };
  for (const [name, value] of Object.entries(constants)) assert.equal(api[name], value, name);
  assert.equal(typeof api.SSL_OP_IGNORE_UNEXPECTED_EOF, 'number');
  assert.equal(typeof api.SSL_OP_NO_EVICT_ON_UNCLEAN_CLOSE, 'number');
});

test('C port: SSL_CTX_load_verify_pem + SSL_set1_host, SSL_get_verify_result and its error string', () => {
  const cert = testCertificate();
  const sctx = SSL_CTX_new({ certificate: cert.certificatePem, privateKey: cert.privateKeyPem });
  for (const [host, expected] of [['localhost', X509_V_OK], ['db.example', X509_V_ERR_HOSTNAME_MISMATCH]] as const) {
    const cctx = SSL_CTX_new();
    assert.equal(SSL_CTX_load_verify_pem(cctx, cert.certificatePem), 1);
    const c = SSL_new(cctx);
    const s = SSL_new(sctx);
    const [cbio, sbio] = BIO_new_bio_pair();
    SSL_set_bio(c, cbio, cbio);
    SSL_set_bio(s, sbio, sbio);
    SSL_set_connect_state(c);
    assert.equal(SSL_set1_host(c, host), 1);
    SSL_set_accept_state(s);
    for (let i = 0; i < 10; i++) {
      SSL_do_handshake(c);
      SSL_do_handshake(s);
    }
    assert.equal(SSL_get_verify_result(c), expected);
    assert.equal(X509_verify_cert_error_string(SSL_get_verify_result(c)), expected === X509_V_OK ? 'ok' : 'hostname mismatch');
  }
});

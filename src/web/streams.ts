import { StreamBio, type ByteStreamPair, type StreamBioOptions } from '../bio/stream.js';
import { AsyncSsl, streamError } from '../ssl/async-ssl.js';
import type { SslContext } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { Ssl } from '../ssl/ssl.js';

/** Options of {@link connect} and {@link accept}. */
export interface SecureStreamOptions extends StreamBioOptions {
  /** The context: certificates, trust, ALPN, provider (browsers: a portable provider). */
  context: SslContext;
  /** Client: the server name to send (SNI) and to expect in the certificate. */
  servername?: string;
  /** Client: a session to offer for resumption. */
  session?: Session;
  /**
   * Keep our write side open after the peer's TLS 1.3 close_notify (D-7). Default false: we
   * answer with our own close_notify at once, and later writes fail. TLS 1.2 always answers.
   */
  allowHalfOpen?: boolean;
  /** Plaintext buffered in `readable` before reading from the transport pauses (bytes, default 64 KiB). */
  readableHighWaterMark?: number;
}

/**
 * A TLS connection as a Web Streams duplex. Same shutdown semantics as typessl/node:
 * - `writable.close()` (or `writer.close()`) sends close_notify after everything written;
 * - `readable` closes on the peer's close_notify, and only on it: a transport that ends without
 *   close_notify errors it with an ERR_TLS_TRUNCATED error (opt out: SSL_OP_IGNORE_UNEXPECTED_EOF
 *   on the context);
 * - `await shutdown()` closes our side (if not yet) and resolves once the peer's close_notify has
 *   arrived; the readable must be consumed for it to be seen;
 * - `closed` resolves when both close_notify alerts have been exchanged (the transport is then
 *   released), and rejects when the connection fails.
 */
export interface SecureStreams {
  /** Decrypted data from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Data to encrypt and send. */
  readonly writable: WritableStream<Uint8Array>;
  /** Settles when the connection has closed: cleanly in both directions, or with an error. */
  readonly closed: Promise<void>;
  /** The bidirectional close (see above). */
  shutdown(): Promise<void>;
  /** The synchronous connection (protocol, cipher, peer certificates, exporter, ...). */
  readonly ssl: Ssl;
  /** 'TLSv1.3' / 'TLSv1.2'. */
  readonly protocol: string;
  /** The ALPN protocol agreed on, or null. */
  readonly alpnProtocol: string | null;
}

/** Client: runs the TLS handshake over `transport` and resolves with the plaintext streams. */
export function connect(transport: ByteStreamPair, options: SecureStreamOptions): Promise<SecureStreams> {
  const ssl = new Ssl(options.context);
  ssl.setConnectState();
  if (options.servername) ssl.setServerName(options.servername);
  if (options.session) ssl.setSession(options.session);
  return secure(ssl, transport, options);
}

/** Server: runs the TLS handshake over `transport` and resolves with the plaintext streams. */
export function accept(transport: ByteStreamPair, options: SecureStreamOptions): Promise<SecureStreams> {
  const ssl = new Ssl(options.context);
  ssl.setAcceptState();
  return secure(ssl, transport, options);
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

async function secure(ssl: Ssl, transport: ByteStreamPair, options: SecureStreamOptions): Promise<SecureStreams> {
  const bioOptions: StreamBioOptions = {};
  if (options.writeHighWaterMark !== undefined) bioOptions.writeHighWaterMark = options.writeHighWaterMark;
  if (options.readHighWaterMark !== undefined) bioOptions.readHighWaterMark = options.readHighWaterMark;
  const bio = new StreamBio(transport, bioOptions);
  const tls = new AsyncSsl(ssl, bio);
  try {
    await tls.handshake();
  } catch (e) {
    // Our alert (if any) is already with the writer: close it so the alert goes out, then stop.
    void bio.endWrite().then(() => bio.destroy());
    throw streamError(e);
  }
  return new Connection(ssl, tls, bio, options).streams();
}

/** The state behind one SecureStreams: who closed what, and the failure if any. */
class Connection {
  private readonly sent = deferred();
  private readonly received = deferred();
  private readonly done = deferred();
  private failed: Error | null = null;
  private sending: Promise<void> | null = null;
  private writableController: WritableStreamDefaultController | null = null;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;

  constructor(
    readonly ssl: Ssl,
    private readonly tls: AsyncSsl<StreamBio>,
    private readonly bio: StreamBio,
    private readonly options: SecureStreamOptions,
  ) {
    Promise.all([this.sent.promise, this.received.promise]).then(
      () => {
        // Both close_notify alerts are through: the transport is no longer needed.
        this.bio.releaseRead();
        this.done.resolve();
      },
      (e: Error) => this.done.reject(e),
    );
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            const chunk = await this.tls.read();
            if (chunk === null) {
              controller.close();
              this.peerClosed();
            } else controller.enqueue(chunk);
          } catch (e) {
            const err = this.fail(e);
            controller.error(err);
          }
        },
        cancel: (reason: unknown) => {
          this.fail(reason instanceof Error ? reason : new Error('the readable was cancelled'), true);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: options.readableHighWaterMark ?? 64 * 1024 }),
    );
    this.writable = new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.writableController = controller;
        },
        write: async (chunk) => {
          try {
            await this.tls.write(chunk);
          } catch (e) {
            throw this.fail(e);
          }
        },
        close: () => this.sendClose(),
        abort: (reason: unknown) => {
          this.fail(reason instanceof Error ? reason : new Error('the writable was aborted'), true);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
  }

  streams(): SecureStreams {
    const ssl = this.ssl;
    return {
      readable: this.readable,
      writable: this.writable,
      closed: this.done.promise,
      shutdown: () => this.shutdown(),
      ssl,
      protocol: ssl.getVersion(),
      alpnProtocol: ssl.getAlpnSelected(),
    };
  }

  /** close_notify after everything written, then the transport's write side ends. */
  private sendClose(): Promise<void> {
    this.sending ??= (async () => {
      try {
        await this.tls.shutdown();
        await this.bio.endWrite();
        this.sent.resolve();
      } catch (e) {
        throw this.fail(e);
      }
    })();
    return this.sending;
  }

  private peerClosed(): void {
    this.received.resolve();
    // D-7: TLS 1.2 always answers; TLS 1.3 answers unless the caller wants half-open.
    if (this.ssl.getVersion() === 'TLSv1.2' || this.options.allowHalfOpen !== true) {
      if (this.sending === null) {
        // The writable cannot be closed from here while the application holds its writer, so
        // the close goes straight to the TLS layer and the writable is failed for later writes.
        this.writableController?.error(Object.assign(new Error('the peer closed the connection (close_notify) and it was answered'), { code: 'ERR_TLS_CLOSED' }));
        void this.sendClose().catch(() => undefined);
      }
    }
  }

  private async shutdown(): Promise<void> {
    if (this.sending === null) {
      // Through the writable, so data the application already queued goes out first.
      const writer = this.writable.locked ? null : this.writable.getWriter();
      if (writer) {
        await writer.close();
        writer.releaseLock();
      } else await this.sendClose();
    }
    await Promise.all([this.sent.promise, this.received.promise]);
  }

  /** Records the first failure, settles the close promises with it and tears the transport down. */
  private fail(e: unknown, local = false): Error {
    const err = local && e instanceof Error ? e : streamError(e);
    if (this.failed) return this.failed;
    this.failed = err;
    this.sent.reject(err);
    this.received.reject(err);
    this.bio.destroy(err);
    return err;
  }
}

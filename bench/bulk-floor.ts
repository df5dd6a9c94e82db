/**
 * The node:crypto floor of bulk transfer: records protected with node:crypto over a plain
 * net.Socket, and nothing else. No handshake (both sides use fixed benchmark keys), no state
 * machine, no alerts, no BIO, no promise per read: each application write becomes records of at
 * most 16 KiB sealed with a fresh AEAD context (node:crypto has no reusable one), the records of
 * one tick leave in one writev, and the receiver frames the bytes of each 'data' chunk and opens
 * every record with a fresh AEAD context, inside the 'data' handler. This is what any TLS record
 * layer written in JavaScript on node:crypto pays to move the same bytes; node:tls does the same
 * work in C, sealing and opening in place in its own buffers. Run as the benchmark's `floor`
 * implementation (bulk figures only) beside node:tls in the same alternation, it shows how much
 * of node:tls's throughput and CPU per GB such a record layer can reach at best.
 *
 * Framing is TLS 1.3's for every suite (5-byte header as the additional data, the inner content
 * type after the data, nonce = IV XOR sequence number); a TLS 1.2 record's 8-byte explicit nonce
 * would add 8 bytes to a 16 KiB record. The keys are constants: this is a benchmark, never a
 * channel for anything.
 */
import { createCipheriv, createDecipheriv, createHash, type CipherGCMTypes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { suiteSpec, type SuiteId } from './common.js';
import type { BenchConn } from './endpoints.js';

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;
const MAX_PLAINTEXT = 16384;
const HEADER_LENGTH = 5;
const APPLICATION_DATA = 23;
/** The inner content type that follows the data of each record (RFC 8446 5.2). */
const INNER_TYPE = Buffer.of(APPLICATION_DATA);
/** Bytes a sender keeps queued before it waits, as the typessl benchmark connection does. */
const SEND_HIGH_WATER_MARK = 256 * 1024;

type AeadName = CipherGCMTypes | 'chacha20-poly1305';

/** A fixed key and IV per direction, so two processes agree without a handshake. */
function directionKeys(suite: SuiteId, direction: 'client' | 'server'): { key: Buffer; iv: Buffer } {
  const seed = createHash('sha256').update(`typessl bench floor ${suite} ${direction}`).digest();
  const keyLength = suiteSpec(suite).aead === 'aes-128-gcm' ? 16 : 32;
  const key = createHash('sha256').update(seed).update('key').digest().subarray(0, keyLength);
  return { key, iv: seed.subarray(0, NONCE_LENGTH) };
}

/** IV XOR the 64-bit sequence number, right-aligned (RFC 8446 5.3). */
function nonceFor(iv: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(iv);
  const high = Math.floor(seq / 2 ** 32);
  nonce.writeUInt32BE((nonce.readUInt32BE(4) ^ high) >>> 0, 4);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  return nonce;
}

/** Seals the records of one direction, one fresh AEAD context per record. */
export class FloorSealer {
  private seq = 0;
  private readonly algorithm: AeadName;
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(suite: SuiteId, direction: 'client' | 'server') {
    this.algorithm = suiteSpec(suite).aead;
    ({ key: this.key, iv: this.iv } = directionKeys(suite, direction));
  }

  /** One record of at most 16 KiB of `data` as pieces: header, ciphertext, then type byte and tag. */
  seal(data: Uint8Array): Buffer[] {
    if (data.length > MAX_PLAINTEXT) throw new RangeError(`floor record of ${data.length} bytes exceeds ${MAX_PLAINTEXT}`);
    const length = data.length + 1 + TAG_LENGTH;
    const header = Buffer.of(APPLICATION_DATA, 3, 3, length >>> 8, length & 0xff);
    const cipher = createCipheriv(this.algorithm as CipherGCMTypes, this.key, nonceFor(this.iv, this.seq++), { authTagLength: TAG_LENGTH });
    cipher.setAAD(header);
    const body = cipher.update(data);
    const type = cipher.update(INNER_TYPE);
    cipher.final();
    return [header, body, Buffer.concat([type, cipher.getAuthTag()])];
  }
}

/** Frames the received bytes of one direction into records and opens each one. */
export class FloorOpener {
  private seq = 0;
  private readonly algorithm: AeadName;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  /** The start of a record that spans received chunks (copied: the only copy the floor makes). */
  private carry: Buffer | null = null;

  constructor(suite: SuiteId, direction: 'client' | 'server') {
    this.algorithm = suiteSpec(suite).aead;
    ({ key: this.key, iv: this.iv } = directionKeys(suite, direction));
  }

  /** Opens every record completed by `chunk`, passing each plaintext to `onData`. Throws on a bad record. */
  push(chunk: Buffer, onData: (plaintext: Buffer) => void): void {
    let at = 0;
    if (this.carry !== null) {
      // Complete the record that spans chunks with just the bytes it still needs.
      let carry = this.carry;
      if (carry.length < HEADER_LENGTH) {
        at = Math.min(chunk.length, HEADER_LENGTH - carry.length);
        carry = Buffer.concat([carry, chunk.subarray(0, at)]);
      }
      if (carry.length >= HEADER_LENGTH) {
        const take = Math.min(chunk.length - at, HEADER_LENGTH + this.recordLength(carry, 0) - carry.length);
        carry = Buffer.concat([carry, chunk.subarray(at, at + take)]);
        at += take;
      }
      this.carry = null;
      if (carry.length < HEADER_LENGTH || carry.length < HEADER_LENGTH + this.recordLength(carry, 0)) {
        this.carry = carry;
        return;
      }
      onData(this.open(carry.subarray(0, HEADER_LENGTH), carry.subarray(HEADER_LENGTH)));
    }
    while (chunk.length - at >= HEADER_LENGTH) {
      const end = at + HEADER_LENGTH + this.recordLength(chunk, at);
      if (end > chunk.length) break;
      onData(this.open(chunk.subarray(at, at + HEADER_LENGTH), chunk.subarray(at + HEADER_LENGTH, end)));
      at = end;
    }
    if (at < chunk.length) this.carry = Buffer.from(chunk.subarray(at));
  }

  /** The fragment length in the header at `at`, checked. */
  private recordLength(bytes: Buffer, at: number): number {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (bytes[at] !== APPLICATION_DATA || length < 1 + TAG_LENGTH || length > MAX_PLAINTEXT + 1 + TAG_LENGTH) {
      throw new Error(`floor: bad record header (type ${bytes[at]}, length ${length})`);
    }
    return length;
  }

  private open(header: Buffer, fragment: Buffer): Buffer {
    const decipher = createDecipheriv(this.algorithm as CipherGCMTypes, this.key, nonceFor(this.iv, this.seq++), { authTagLength: TAG_LENGTH });
    decipher.setAAD(header);
    decipher.setAuthTag(fragment.subarray(fragment.length - TAG_LENGTH));
    const inner = decipher.update(fragment.subarray(0, fragment.length - TAG_LENGTH));
    decipher.final(); // throws when the tag does not match
    if (inner[inner.length - 1] !== APPLICATION_DATA) throw new Error('floor: unexpected inner content type');
    return inner.subarray(0, inner.length - 1);
  }
}

/** A BenchConn of the floor: a net.Socket with a sealer for what it sends and an opener for what it receives. */
class FloorConn implements BenchConn {
  private readonly sealer: FloorSealer;
  private readonly opener: FloorOpener;
  private corked = false;

  constructor(
    readonly socket: net.Socket,
    suite: SuiteId,
    role: 'client' | 'server',
  ) {
    this.sealer = new FloorSealer(suite, role);
    this.opener = new FloorOpener(suite, role === 'client' ? 'server' : 'client');
    this.cipher = suiteSpec(suite).aead;
  }

  readonly version = 'floor';
  /** Not a TLS suite: the node:crypto AEAD the floor's records use (the suite's own). */
  readonly cipher: string;
  /** No key exchange: the floor's keys are constants. */
  readonly group = 'none';

  send(data: Uint8Array): boolean {
    // The records of this tick leave in one writev (the usual cork-until-next-tick pattern).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    for (let at = 0; at < data.length; at += MAX_PLAINTEXT) {
      for (const piece of this.sealer.seal(data.subarray(at, Math.min(data.length, at + MAX_PLAINTEXT)))) this.socket.write(piece);
    }
    return this.socket.writableLength < SEND_HIGH_WATER_MARK;
  }

  async drained(): Promise<void> {
    if (this.socket.writableLength >= SEND_HIGH_WATER_MARK) await once(this.socket, 'drain');
  }

  consume(onBytes: (n: number) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.socket.on('data', (chunk: Buffer) => {
        try {
          this.opener.push(chunk, (plaintext) => onBytes(plaintext.length));
        } catch (e) {
          this.socket.destroy();
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      this.socket.once('end', resolve);
      this.socket.once('close', resolve);
      this.socket.once('error', () => resolve());
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects a floor client to a floor server on 127.0.0.1. */
export async function floorConnect(suite: SuiteId, port: number): Promise<BenchConn> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return new FloorConn(socket, suite, 'client');
}

/** A floor server: every accepted connection goes to `onConn` at once (there is no handshake). */
export function floorListen(suite: SuiteId, onConn: (c: BenchConn) => void): net.Server {
  return net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    onConn(new FloorConn(socket, suite, 'server'));
  });
}

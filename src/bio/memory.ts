import { BIO_EOF, BIO_RETRY, type Bio } from './bio.js';

/**
 * An in-memory BIO (OpenSSL BIO_s_mem): writes append, reads consume. When empty, a read
 * returns the EOF setting: BIO_RETRY by default (more may come), or BIO_EOF once
 * `setEofReturn(0)` has been called, which is how a test simulates a closed transport (S-26, S-61).
 */
export class MemoryBio implements Bio {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private size = 0;
  private eofReturn: typeof BIO_EOF | typeof BIO_RETRY = BIO_RETRY;

  /** Like BIO_set_mem_eof_return: 0 makes an empty BIO report EOF; -1 (default) makes it report retry. */
  setEofReturn(value: 0 | -1): void {
    this.eofReturn = value === 0 ? BIO_EOF : BIO_RETRY;
  }

  read(max: number): Uint8Array | typeof BIO_EOF | typeof BIO_RETRY {
    if (this.size === 0) return this.eofReturn;
    const out = new Uint8Array(Math.min(max, this.size));
    let at = 0;
    while (at < out.length) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.head, out.length - at);
      out.set(chunk.subarray(this.head, this.head + take), at);
      at += take;
      this.head += take;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.size -= out.length;
    return out;
  }

  write(data: Uint8Array): number {
    if (data.length === 0) return 0;
    this.chunks.push(data.slice());
    this.size += data.length;
    return data.length;
  }

  pending(): number {
    return this.size;
  }

  /** Takes everything buffered (for moving bytes between two memory BIOs in tests and demos). */
  drain(): Uint8Array {
    const r = this.read(this.size);
    return typeof r === 'number' ? new Uint8Array(0) : r;
  }
}

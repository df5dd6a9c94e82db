/** Queues below this many consumed slots are not worth compacting. */
const COMPACT_MIN = 64;

/**
 * Received byte chunks waiting to be read, oldest first, for the BIOs over event-driven
 * transports (SocketBio, StreamBio). `take(max)` hands out views of the queued chunks, never
 * copies, and never more than `max` bytes (the Ssl reads records exactly).
 */
export class ChunkQueue {
  /**
   * `chunks[first]` is the oldest, read from `offset`. Null while empty: an idle connection's
   * queue then holds no array (about 30 bytes each, and there is one per connection).
   */
  private chunks: Uint8Array[] | null = null;
  private first = 0;
  private offset = 0;
  private queued = 0;

  /** Bytes queued. */
  get length(): number {
    return this.queued;
  }

  /** Appends a chunk (kept by reference: the caller must not modify it afterwards). */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    (this.chunks ??= []).push(bytes);
    this.queued += bytes.length;
  }

  /** Up to `max` bytes from the oldest chunk (a view), or null when empty. */
  take(max: number): Uint8Array | null {
    if (this.queued === 0) return null;
    const chunks = this.chunks!;
    const chunk = chunks[this.first]!;
    const n = Math.min(max, chunk.length - this.offset);
    const out = chunk.subarray(this.offset, this.offset + n);
    this.offset += n;
    this.queued -= n;
    if (this.offset === chunk.length) this.dropHead(chunks);
    return out;
  }

  /** Drops the fully read oldest chunk; compacts the array now and then instead of shift() per chunk. */
  private dropHead(chunks: Uint8Array[]): void {
    this.offset = 0;
    this.first++;
    if (this.first === chunks.length) {
      this.chunks = null;
      this.first = 0;
    } else if (this.first >= COMPACT_MIN && this.first * 2 >= chunks.length) {
      this.chunks = chunks.slice(this.first);
      this.first = 0;
    }
  }
}

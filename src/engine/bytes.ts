/** Byte-array helpers the engine shares. */

/** `parts` joined into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Copies of `parts` in one new buffer, a view each: for byte strings kept together for long (a
 * ticket's nonce, ticket and PSK), one ArrayBuffer instead of one per part (each costs about 90
 * bytes of JS heap of its own, more than a nonce or a PSK).
 */
export function copyTogether(...parts: readonly Uint8Array[]): Uint8Array[] {
  const all = concatBytes(...parts);
  const views: Uint8Array[] = [];
  let at = 0;
  for (const p of parts) {
    views.push(all.subarray(at, at + p.length));
    at += p.length;
  }
  return views;
}

/** Two lowercase hex digits per byte value. */
const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Lowercase hex of `bytes`, as one flat string (joined, not built with `+=`, which would leave a
 * rope of pieces in a Map key). A loop into an array: `Array.from(bytes, fn)` was ~4x slower, and
 * session caches compute this for every session they add or look up.
 */
export function toHex(bytes: Uint8Array): string {
  const digits = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) digits[i] = HEX_BYTES[bytes[i]!]!;
  return digits.join('');
}

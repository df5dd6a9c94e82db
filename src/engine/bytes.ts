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

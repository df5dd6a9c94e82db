/**
 * A few short byte strings kept in one buffer, for the values an idle connection holds on to
 * (Finished data, client random, traffic, exporter and resumption secrets). Each Uint8Array a
 * connection keeps costs ~96 bytes of JS heap for the view alone (Node's typed arrays carry
 * embedder fields), more than most of the values themselves. So the values are packed into one
 * ArrayBuffer, kept without any view (the buffer object is about 88 bytes, its bytes are outside
 * the JS heap), and views are made only when a value is read (KeyUpdate, exporters, tickets,
 * getFinished: rare).
 *
 * Layout: one length byte per slot (0 = no value), then the values in slot order, then the
 * tail: bytes of the holder's own format kept in the same buffer (a client's tickets: one
 * ArrayBuffer object less per connection), which the functions here keep as they are. Values are
 * at most 255 bytes (hash outputs, randoms and Finished data are at most 64).
 */

/** Packs `values` (null or empty = absent), followed by `tail`. */
export function packValues(values: readonly (Uint8Array | null)[], tail: Uint8Array | null = null): ArrayBuffer {
  let total = values.length + (tail?.length ?? 0);
  for (const v of values) {
    if (v && v.length > 255) throw new RangeError(`packValues: a value of ${v.length} bytes does not fit a length byte`);
    total += v?.length ?? 0;
  }
  const packed = new Uint8Array(total);
  let at = values.length;
  values.forEach((v, slot) => {
    if (!v) return;
    packed[slot] = v.length;
    packed.set(v, at);
    at += v.length;
  });
  if (tail) packed.set(tail, at);
  return packed.buffer;
}

/** Where slot `slot`'s value starts (after the length bytes and the values before it). */
function offsetOf(packed: Uint8Array, slots: number, slot: number): number {
  let at = slots;
  for (let i = 0; i < slot; i++) at += packed[i]!;
  return at;
}

/** The value in `slot` (a view of `packed`), or null when absent. */
export function packedValue(packed: ArrayBuffer, slots: number, slot: number): Uint8Array | null {
  const bytes = new Uint8Array(packed);
  const length = bytes[slot]!;
  if (length === 0) return null;
  return new Uint8Array(packed, offsetOf(bytes, slots, slot), length);
}

/** The tail (a view; empty when there is none). */
export function packedTail(packed: ArrayBuffer, slots: number): Uint8Array {
  const bytes = new Uint8Array(packed);
  return bytes.subarray(offsetOf(bytes, slots, slots));
}

/**
 * The same values followed by `tail` instead (null: none), in a new buffer. The old one is left as
 * it is, unlike replacePackedValue's: no value is retired (the new buffer holds them all), and a
 * view of a value read before stays what it was.
 */
export function replacePackedTail(packed: ArrayBuffer, slots: number, tail: Uint8Array | null): ArrayBuffer {
  const bytes = new Uint8Array(packed);
  const valuesEnd = offsetOf(bytes, slots, slots);
  const out = new Uint8Array(valuesEnd + (tail?.length ?? 0));
  out.set(bytes.subarray(0, valuesEnd));
  if (tail) out.set(tail, valuesEnd);
  return out.buffer;
}

/**
 * Replaces the value in `slot` (the tail stays). A value of the same length is written over the old one in place
 * (a KeyUpdate's next traffic secret: the old secret is gone, as RFC 8446 7.2 asks); otherwise the
 * values are packed anew and the new buffer returned, the old one zeroed.
 */
export function replacePackedValue(packed: ArrayBuffer, slots: number, slot: number, value: Uint8Array | null): ArrayBuffer {
  const bytes = new Uint8Array(packed);
  const length = value?.length ?? 0;
  if (length === bytes[slot]! && value) {
    bytes.set(value, offsetOf(bytes, slots, slot));
    return packed;
  }
  const values: (Uint8Array | null)[] = [];
  for (let i = 0; i < slots; i++) values.push(i === slot ? value : packedValue(packed, slots, i));
  const repacked = packValues(values, packedTail(packed, slots));
  bytes.fill(0);
  return repacked;
}

/**
 * Byte strings as Map/Set keys. A latin1 decode is native and makes one char per byte, far cheaper
 * than hex built in JavaScript: a client looks up the server's certificate and issuer names on
 * every handshake. WHATWG's "latin1" is windows-1252, which still maps every byte to exactly one
 * code point, so distinct byte strings get distinct keys. TextDecoder, not Buffer: this also runs
 * in browsers.
 */
const latin1 = new TextDecoder('latin1');

/** A string key for `bytes`, equal for equal contents only. */
export function bytesKey(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

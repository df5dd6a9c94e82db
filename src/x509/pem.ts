/**
 * PEM (RFC 7468) encoding and decoding.
 *
 * This file deliberately carries its own small base64 codec instead of using `Buffer` (Node only)
 * or `atob` (which silently accepts missing padding and stray whitespace): certificates and keys
 * are security inputs, so a typo in a PEM file should be a clear error, not a silently different
 * byte string.
 */

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE` or `PRIVATE KEY`. */
  label: string;
  /** The decoded body. */
  der: Uint8Array;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Reverse alphabet: char code -> 6-bit value, -1 for characters that are not base64. */
const DECODE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Strict base64 (RFC 4648 section 4) decoding: the input must be a multiple of 4 characters, `=`
 * may only appear as final padding, and the unused bits before the padding must be zero (so every
 * byte string has exactly one accepted text form).
 */
export function base64Decode(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error(`base64: length ${text.length} is not a multiple of 4`);
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const values = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        // Only the padding positions of the last quantum may hold '='.
        if (code !== 0x3d) throw new Error(`base64: bad padding at offset ${i + j}`);
        continue;
      }
      const v = code < 128 ? DECODE[code]! : -1;
      if (v < 0) throw new Error(`base64: invalid character ${JSON.stringify(text[i + j])} at offset ${i + j}`);
      values[j] = v;
    }
    const n = (values[0]! << 18) | (values[1]! << 12) | (values[2]! << 6) | values[3]!;
    if (last && pad === 2) {
      if (n & 0xffff) throw new Error('base64: non-zero bits in padding');
      out[o++] = n >>> 16;
    } else if (last && pad === 1) {
      if (n & 0xff) throw new Error('base64: non-zero bits in padding');
      out[o++] = n >>> 16;
      out[o++] = (n >>> 8) & 0xff;
    } else {
      out[o++] = n >>> 16;
      out[o++] = (n >>> 8) & 0xff;
      out[o++] = n & 0xff;
    }
  }
  return out;
}

/** Standard base64 with padding (RFC 4648 section 4). */
export function base64Encode(data: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= data.length; i += 3) {
    const n = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = data.length - i;
  if (rest === 1) {
    const n = data[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (data[i]! << 16) | (data[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/** RFC 7468 labels: printable ASCII without '-', single inner spaces or hyphens allowed. */
const LABEL = /^[\x21-\x2c\x2e-\x7e]([ -]?[\x21-\x2c\x2e-\x7e])*$/;
const BEGIN = /^-----BEGIN (.*)-----$/;
const END = /^-----END (.*)-----$/;

/**
 * Decodes every PEM block in `text`, in order.
 *
 * Text outside blocks (explanatory text, as RFC 7468 section 5.2 allows, or `openssl x509 -text`
 * output) is ignored. Inside a block only base64 lines are accepted: RFC 1421 headers (as in
 * encrypted "Proc-Type: 4,ENCRYPTED" keys), a missing END line, mismatched labels, a nested BEGIN
 * or invalid base64 throw an `Error` that names the line. Text with no PEM block at all also
 * throws, because a caller asking to decode PEM was handed something else.
 */
export function pemDecode(text: string): PemBlock[] {
  const lines = text.split(/\r?\n|\r/);
  const blocks: PemBlock[] = [];
  let label: string | null = null;
  let body: string[] = [];
  let beginLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (label === null) {
      const m = BEGIN.exec(line);
      if (!m) continue;
      const name = m[1]!;
      if (!LABEL.test(name) && name !== '') throw new Error(`PEM: invalid label ${JSON.stringify(name)} on line ${i + 1}`);
      label = name;
      body = [];
      beginLine = i + 1;
      continue;
    }
    const end = END.exec(line);
    if (end) {
      if (end[1] !== label) {
        throw new Error(`PEM: "END ${end[1]}" on line ${i + 1} does not match "BEGIN ${label}" on line ${beginLine}`);
      }
      let der: Uint8Array;
      try {
        der = base64Decode(body.join(''));
      } catch (err) {
        throw new Error(`PEM: block "${label}" starting on line ${beginLine}: ${(err as Error).message}`);
      }
      blocks.push({ label, der });
      label = null;
      continue;
    }
    if (line.startsWith('-----')) throw new Error(`PEM: unexpected ${JSON.stringify(line)} on line ${i + 1} inside "${label}"`);
    if (line.includes(':')) {
      throw new Error(`PEM: header line on line ${i + 1} (encrypted or legacy PEM is not supported)`);
    }
    // Whitespace inside a line is tolerated (some tools indent); anything else is checked by the codec.
    body.push(line.replace(/[ \t]+/g, ''));
  }
  if (label !== null) throw new Error(`PEM: "BEGIN ${label}" on line ${beginLine} has no END line`);
  if (blocks.length === 0) throw new Error('PEM: no "-----BEGIN ...-----" block found');
  return blocks;
}

/** Encodes `der` as one PEM block with 64-column base64 lines and a final newline. */
export function pemEncode(label: string, der: Uint8Array): string {
  if (!LABEL.test(label)) throw new Error(`PEM: invalid label ${JSON.stringify(label)}`);
  const b64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n';
  return out + `-----END ${label}-----\n`;
}

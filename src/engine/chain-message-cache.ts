/**
 * Encoded Certificate messages, one per certificate chain.
 *
 * Why: a server sends the same chain on every full handshake, and encoding it (a Writer that grows
 * through the chain's size, then the copy out) showed at ~2% of the server's handshake CPU. The
 * context's chain array lives as long as its configuration, so the message is built once per chain.
 *
 * The cached bytes are shared: the engine only reads handshake messages it sends (transcript,
 * record framing). An entry is used only while the array still holds the same certificates, so a
 * chain changed in place is encoded afresh; a replaced chain is a new key.
 */
export class ChainMessageCache {
  private readonly entries = new WeakMap<readonly Uint8Array[], { certificates: readonly Uint8Array[]; message: Uint8Array }>();

  /** The message for `chain`, from `encode` the first time. */
  get(chain: readonly Uint8Array[], encode: (chain: readonly Uint8Array[]) => Uint8Array): Uint8Array {
    const hit = this.entries.get(chain);
    if (hit && sameCertificates(hit.certificates, chain)) return hit.message;
    const message = encode(chain);
    this.entries.set(chain, { certificates: chain.slice(), message });
    return message;
  }
}

function sameCertificates(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

import { equalBytes } from '../crypto/equal-bytes.js';

/** Distinct chains an SslContext remembers: a client's few servers, a server's few client identities. */
const DEFAULT_CAPACITY = 4;

/**
 * The peer certificate chains the connections of one SslContext keep after their handshakes,
 * shared between connections that received the same chain. A client keeps its server's chain for
 * as long as the connection and its session live; a pool of connections to one database server
 * otherwise holds a copy per connection (for each certificate a Uint8Array and its buffer, about
 * 184 bytes of JS heap, plus the certificate's own bytes). OpenSSL shares its reference-counted
 * X509 objects between a connection and its sessions the same way, and Go's crypto/tls shares
 * parsed certificates between connections.
 *
 * The last few distinct chains are remembered, most recent first. A chain equal to one of them,
 * byte for byte, gets the remembered array; any other gets a copy that owns its bytes (what it is
 * given may be views of handshake records), which is then remembered. Comparing costs little next
 * to a handshake (lengths first, bytes only when they match), and certificates are public.
 *
 * The arrays handed out are shared: nothing in typessl modifies them, and the Ssl gives callers a
 * new list (of the same certificates) at each call, as OpenSSL's SSL_get_peer_cert_chain does.
 */
export class PeerChainCache {
  private readonly chains: Uint8Array[][] = [];

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** An owned chain equal to `chain`: a remembered one, or a new copy (remembered from now on). */
  keep(chain: readonly Uint8Array[]): Uint8Array[] {
    const chains = this.chains;
    for (let i = 0; i < chains.length; i++) {
      const known = chains[i]!;
      if (!sameChain(known, chain)) continue;
      if (i > 0) {
        chains.splice(i, 1);
        chains.unshift(known);
      }
      return known;
    }
    // new Uint8Array(view) copies into a buffer of the certificate's own size (a Node Buffer's
    // slice() would make another view of the record instead).
    const copy = chain.map((c) => new Uint8Array(c));
    chains.unshift(copy);
    if (chains.length > this.capacity) chains.pop();
    return copy;
  }
}

function sameChain(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.length !== b[i]!.length) return false;
  for (let i = 0; i < a.length; i++) if (!equalBytes(a[i]!, b[i]!)) return false;
  return true;
}

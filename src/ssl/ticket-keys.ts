import type { Aead, CryptoProvider } from '../crypto/provider.js';

/** Length of a ticket key name (the clear prefix of every ticket, as OpenSSL's key_name). */
export const TICKET_KEY_NAME_LENGTH = 16;
/** AES-256-GCM key length. */
const KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** The smallest sealed ticket: name, nonce and tag around an empty plaintext. */
export const MIN_SEALED_TICKET = TICKET_KEY_NAME_LENGTH + NONCE_LENGTH + TAG_LENGTH;
/** Bytes of one exported key: name (16) then AES-256 key (32). */
export const TICKET_KEY_LENGTH = TICKET_KEY_NAME_LENGTH + KEY_LENGTH;

interface TicketKey {
  name: Uint8Array;
  aead: Aead;
  material: Uint8Array;
  createdAt: number;
}

/**
 * The keys that seal stateless session tickets (RFC 5077 for TLS 1.2, NewSessionTicket for TLS
 * 1.3): a current key that seals new tickets and the previous one, still accepted, so rotating
 * never breaks the tickets clients hold. A ticket sealed two rotations ago no longer opens and its
 * client falls back to a full handshake.
 *
 * A ticket is `key name (16) | nonce (12) | AES-256-GCM(plaintext) | tag (16)`, with the key name
 * as additional data: any change, truncation or foreign key makes `open()` return null, never throw.
 *
 * A fleet of servers shares tickets by giving every server the same keys (`setKeys` with bytes
 * from `exportKeys` of one of them, distributed by the deployment) and rotating them together.
 */
export class TicketKeys {
  /** Made on first use, so contexts that never seal a ticket never draw randomness for one. */
  private currentKey: TicketKey | null = null;
  private previous: TicketKey | null = null;

  /**
   * @param provider randomness and AES-256-GCM
   * @param now clock in milliseconds (the context's)
   * @param rotationSeconds rotate the current key automatically once it is this old (0: only
   *   when `rotate()` is called). Keep it at most the ticket lifetime, so a ticket outlives at most
   *   one rotation.
   */
  constructor(
    private readonly provider: CryptoProvider,
    private readonly now: () => number,
    public rotationSeconds = 0,
  ) {}

  private get current(): TicketKey {
    this.currentKey ??= this.makeKey(this.provider.randomBytes(TICKET_KEY_LENGTH));
    return this.currentKey;
  }

  private set current(key: TicketKey) {
    this.currentKey = key;
  }

  /** Makes a new current key; the current one becomes the previous one, the previous one is dropped. */
  rotate(): void {
    this.previous = this.current;
    this.current = this.makeKey(this.provider.randomBytes(TICKET_KEY_LENGTH));
  }

  /**
   * Installs keys (each `TICKET_KEY_LENGTH` bytes: name then AES-256 key), for servers that share
   * tickets. `previous` may be null.
   */
  setKeys(current: Uint8Array, previous: Uint8Array | null = null): void {
    for (const k of [current, previous]) {
      if (k && k.length !== TICKET_KEY_LENGTH) throw new RangeError(`a ticket key is ${TICKET_KEY_LENGTH} bytes (16 name, 32 key), got ${k.length}`);
    }
    this.current = this.makeKey(current);
    this.previous = previous ? this.makeKey(previous) : null;
  }

  /** The keys as bytes (secret!), to give to the other servers of a fleet. */
  exportKeys(): { current: Uint8Array; previous: Uint8Array | null } {
    return { current: this.current.material.slice(), previous: this.previous?.material.slice() ?? null };
  }

  /** The name of the current key (public: it is the clear prefix of every new ticket). */
  get currentName(): Uint8Array {
    return this.current.name;
  }

  /** Seals a ticket under the current key (rotating first if it is due). */
  seal(plaintext: Uint8Array): Uint8Array {
    this.rotateIfDue();
    const k = this.current;
    const nonce = this.provider.randomBytes(NONCE_LENGTH);
    const prefix = new Uint8Array(TICKET_KEY_NAME_LENGTH + NONCE_LENGTH);
    prefix.set(k.name);
    prefix.set(nonce, TICKET_KEY_NAME_LENGTH);
    return k.aead.seal(nonce, k.name, plaintext, prefix);
  }

  /**
   * Opens a ticket sealed by `seal()` under the current or the previous key. Null for anything
   * else: unknown key name, too short, altered. `previousKey` tells the caller to re-issue.
   */
  open(ticket: Uint8Array): { plaintext: Uint8Array; previousKey: boolean } | null {
    this.rotateIfDue();
    if (ticket.length < MIN_SEALED_TICKET) return null;
    const name = ticket.subarray(0, TICKET_KEY_NAME_LENGTH);
    const key = sameName(name, this.current.name) ? this.current : this.previous && sameName(name, this.previous.name) ? this.previous : null;
    if (!key) return null;
    const nonce = ticket.subarray(TICKET_KEY_NAME_LENGTH, TICKET_KEY_NAME_LENGTH + NONCE_LENGTH);
    let plaintext: Uint8Array | null;
    try {
      plaintext = key.aead.open(nonce, key.name, ticket.subarray(TICKET_KEY_NAME_LENGTH + NONCE_LENGTH));
    } catch {
      plaintext = null;
    }
    return plaintext ? { plaintext, previousKey: key !== this.current } : null;
  }

  private rotateIfDue(): void {
    if (this.rotationSeconds > 0 && this.now() - this.current.createdAt >= this.rotationSeconds * 1000) this.rotate();
  }

  private makeKey(material: Uint8Array): TicketKey {
    const copy = material.slice();
    return {
      name: copy.subarray(0, TICKET_KEY_NAME_LENGTH),
      aead: this.provider.createAead('aes-256-gcm', copy.subarray(TICKET_KEY_NAME_LENGTH)),
      material: copy,
      createdAt: this.now(),
    };
  }
}

function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

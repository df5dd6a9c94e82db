import type { CryptoProvider, HashAlgorithm, HmacKey } from '../../crypto/provider.js';
import { preparedHmacKey } from '../../crypto/hmac-key.js';

const encoder = new TextEncoder();
/** "tls13 " + label as bytes, per label: encoding it anew costs more than the HMAC input it builds. */
const LABELS = new Map<string, Uint8Array>();
/**
 * The whole HkdfLabel per output length and label where the context is empty (traffic keys and
 * IVs, finished keys, KeyUpdate): constants, built once instead of on each of the ten such
 * expansions of a handshake. Only ever read (the providers' HMACs copy their inputs).
 */
const EMPTY_CONTEXT_INFO = new Map<number, Map<string, Uint8Array>>();

/**
 * HKDF-Expand-Label (RFC 8446 7.1). `secret` is the bytes, or the secret prepared by
 * `preparedHmacKey` where it is expanded more than once.
 */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array | HmacKey,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  if (context.length === 0) {
    let byLabel = EMPTY_CONTEXT_INFO.get(length);
    let info = byLabel?.get(label);
    if (!info) {
      info = hkdfLabel(label, context, length);
      // Bounded like LABELS: the schedule's own lengths and labels are few.
      if (!byLabel && EMPTY_CONTEXT_INFO.size < 16) EMPTY_CONTEXT_INFO.set(length, (byLabel = new Map()));
      if (byLabel && byLabel.size < 64) byLabel.set(label, info);
    }
    return expand(provider, hash, secret, info, length);
  }
  return expand(provider, hash, secret, hkdfLabel(label, context, length), length);
}

/** HKDF-Expand of the bytes (the provider checks `length`) or of a prepared key (checked here: HmacKey leaves it to its caller). */
function expand(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array | HmacKey, info: Uint8Array, length: number): Uint8Array {
  if (secret instanceof Uint8Array) return provider.hkdfExpand(hash, secret, info, length);
  if (!Number.isInteger(length) || length < 1 || length > 255 * provider.hashLength(hash)) {
    throw new RangeError(`typessl: HKDF-Expand length ${length} out of range 1..${255 * provider.hashLength(hash)}`);
  }
  return secret.expand(info, length);
}

/** The HkdfLabel structure (RFC 8446 7.1): length, "tls13 " + label, context. */
function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  let fullLabel = LABELS.get(label);
  if (!fullLabel) {
    fullLabel = encoder.encode(`tls13 ${label}`);
    // The schedule's own labels are few; exporter labels come from callers, so the cache is bounded.
    if (LABELS.size < 64) LABELS.set(label, fullLabel);
  }
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return info;
}

/** Derive-Secret with an already computed transcript hash (RFC 8446 7.1). */
export function deriveSecret(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array | HmacKey, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, provider.hashLength(hash));
}

/** Hash("") per hash function; only ever read (hkdfExpandLabel copies its context). */
const EMPTY_HASHES = new Map<HashAlgorithm, Uint8Array>();

const EMPTY = new Uint8Array(0);

/** HashLen zero bytes per length; only ever read (the HMAC calls copy their inputs). */
const ZEROS = new Map<number, Uint8Array>();

function zeros(length: number): Uint8Array {
  let z = ZEROS.get(length);
  if (!z) {
    z = new Uint8Array(length);
    ZEROS.set(length, z);
  }
  return z;
}

/**
 * Without a PSK the Early Secret is HKDF-Extract(0, 0) and its "derived" secret is Derive-Secret
 * of it over Hash(""): constants of the hash function, not secrets. Every full handshake used to
 * recompute them (two HMACs each side); they are computed once per provider and hash instead,
 * "derived" prepared as the salt of the Handshake Secret's HKDF-Extract.
 * Keyed by provider so a provider's own HKDF is still the one that made them.
 */
interface ZeroPskSecrets {
  early: Uint8Array;
  derived: HmacKey;
}
const ZERO_PSK_SECRETS = new WeakMap<CryptoProvider, Map<HashAlgorithm, ZeroPskSecrets>>();
/** KeySchedule13.released's instances. */
const RELEASED_SCHEDULES = new WeakMap<CryptoProvider, Map<HashAlgorithm, KeySchedule13>>();

/** Write key and IV for a traffic secret (RFC 8446 7.3). */
export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/**
 * The TLS 1.3 key schedule (RFC 8446 7.1) for one connection, as a chain of stages: each stage
 * is computed once from the previous one and the input that belongs to it (PSK, (EC)DHE secret,
 * transcript hashes). The state code asks for named secrets; it never does HKDF itself.
 *
 * The Handshake and Master Secrets, each expanded three or four times, are held prepared for
 * HMAC (preparedHmacKey), as are traffic secrets while their key and IV are made.
 */
export class KeySchedule13 {
  readonly hashLength: number;
  private early: Uint8Array | null;
  /** Derive-Secret(early, "derived", ""), known in advance without a PSK. */
  private earlyDerived: HmacKey | null = null;
  private handshake: HmacKey | null = null;
  private master: HmacKey | null = null;

  /** Starts the schedule with the Early Secret (from a PSK, or from zeros without one). */
  constructor(
    private readonly provider: CryptoProvider,
    readonly hash: HashAlgorithm,
    psk?: Uint8Array,
  ) {
    this.hashLength = provider.hashLength(hash);
    if (psk === undefined) {
      const constants = this.zeroPskSecrets();
      this.early = constants.early;
      this.earlyDerived = constants.derived;
    } else {
      this.early = provider.hkdfExtract(hash, zeros(this.hashLength), psk);
    }
  }

  /**
   * A schedule past its stages (see releaseStageSecrets) for `hash`, shared by every connection
   * whose handshake is over: it holds no secret of its own, only the hash, so each idle
   * connection need not keep one object for it.
   */
  static released(provider: CryptoProvider, hash: HashAlgorithm): KeySchedule13 {
    let byHash = RELEASED_SCHEDULES.get(provider);
    if (!byHash) {
      byHash = new Map();
      RELEASED_SCHEDULES.set(provider, byHash);
    }
    let ks = byHash.get(hash);
    if (!ks) {
      ks = new KeySchedule13(provider, hash);
      ks.releaseStageSecrets();
      byHash.set(hash, ks);
    }
    return ks;
  }

  private zeroPskSecrets(): ZeroPskSecrets {
    let byHash = ZERO_PSK_SECRETS.get(this.provider);
    if (!byHash) {
      byHash = new Map();
      ZERO_PSK_SECRETS.set(this.provider, byHash);
    }
    let secrets = byHash.get(this.hash);
    if (!secrets) {
      const z = zeros(this.hashLength);
      const early = this.provider.hkdfExtract(this.hash, z, z);
      secrets = { early, derived: preparedHmacKey(this.provider, this.hash, deriveSecret(this.provider, this.hash, early, 'derived', this.emptyHash)) };
      byHash.set(this.hash, secrets);
    }
    return secrets;
  }

  /** Hash of the empty string (the context of "derived" and the exporter): a constant per hash, computed once per process. */
  private get emptyHash(): Uint8Array {
    let h = EMPTY_HASHES.get(this.hash);
    if (!h) {
      h = this.provider.digest(this.hash, new Uint8Array(0));
      EMPTY_HASHES.set(this.hash, h);
    }
    return h;
  }

  /** The Early Secret. */
  get earlySecret(): Uint8Array {
    return this.requireEarly();
  }

  /** binder_key for a resumption ("res binder") or external ("ext binder") PSK. */
  binderKey(external: boolean): Uint8Array {
    return deriveSecret(this.provider, this.hash, this.requireEarly(), external ? 'ext binder' : 'res binder', this.emptyHash);
  }

  /**
   * Forgets the Early, Handshake and Master Secrets once the handshake is over: what a connection
   * needs afterwards (traffic keys, KeyUpdate, tickets, exporter) derives from the traffic,
   * resumption and exporter secrets the connection holds.
   */
  releaseStageSecrets(): void {
    this.early = null;
    this.earlyDerived = null;
    this.handshake = null;
    this.master = null;
  }

  /** Moves to the Handshake Secret with the (EC)DHE shared secret; returns it. */
  enterHandshake(sharedSecret: Uint8Array): Uint8Array {
    // HKDF-Extract(salt = derived, IKM = shared) is HMAC(derived, shared) (RFC 5869 2.2).
    const secret = this.earlyDerived
      ? this.earlyDerived.mac(sharedSecret)
      : this.provider.hkdfExtract(this.hash, deriveSecret(this.provider, this.hash, this.requireEarly(), 'derived', this.emptyHash), sharedSecret);
    this.handshake = preparedHmacKey(this.provider, this.hash, secret);
    return secret;
  }

  /** client/server_handshake_traffic_secret over ClientHello..ServerHello. */
  handshakeTrafficSecrets(transcriptHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    const hs = this.requireHandshake();
    return {
      client: deriveSecret(this.provider, this.hash, hs, 'c hs traffic', transcriptHash),
      server: deriveSecret(this.provider, this.hash, hs, 's hs traffic', transcriptHash),
    };
  }

  /** Moves to the Master Secret; returns it. */
  enterMaster(): Uint8Array {
    const derived = deriveSecret(this.provider, this.hash, this.requireHandshake(), 'derived', this.emptyHash);
    const secret = this.provider.hkdfExtract(this.hash, derived, zeros(this.hashLength));
    this.master = preparedHmacKey(this.provider, this.hash, secret);
    return secret;
  }

  /** Application traffic secrets and exporter secret over ClientHello..server Finished. */
  applicationSecrets(transcriptHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    const ms = this.requireMaster();
    return {
      client: deriveSecret(this.provider, this.hash, ms, 'c ap traffic', transcriptHash),
      server: deriveSecret(this.provider, this.hash, ms, 's ap traffic', transcriptHash),
      exporter: deriveSecret(this.provider, this.hash, ms, 'exp master', transcriptHash),
    };
  }

  /** resumption_master_secret over ClientHello..client Finished. */
  resumptionMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.provider, this.hash, this.requireMaster(), 'res master', transcriptHash);
  }

  /** Key and IV for a traffic secret. */
  trafficKeys(secret: Uint8Array, keyLength: number, ivLength = 12): TrafficKeys {
    const prepared = preparedHmacKey(this.provider, this.hash, secret);
    return {
      key: hkdfExpandLabel(this.provider, this.hash, prepared, 'key', EMPTY, keyLength),
      iv: hkdfExpandLabel(this.provider, this.hash, prepared, 'iv', EMPTY, ivLength),
    };
  }

  /** verify_data of a Finished message for a base key (RFC 8446 4.4.4). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = hkdfExpandLabel(this.provider, this.hash, baseKey, 'finished', EMPTY, this.hashLength);
    return this.provider.hmac(this.hash, finishedKey, transcriptHash);
  }

  /** application_traffic_secret_N+1 (RFC 8446 7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, secret, 'traffic upd', EMPTY, this.hashLength);
  }

  /** The PSK for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce). */
  ticketPsk(resumptionMasterSecret: Uint8Array, nonce: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, resumptionMasterSecret, 'resumption', nonce, this.hashLength);
  }

  /** TLS-Exporter (RFC 8446 7.5). */
  exportKeyingMaterial(exporterMasterSecret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    const secret = deriveSecret(this.provider, this.hash, exporterMasterSecret, label, this.emptyHash);
    return hkdfExpandLabel(this.provider, this.hash, secret, 'exporter', this.provider.digest(this.hash, context), length);
  }

  private requireEarly(): Uint8Array {
    if (!this.early) throw new Error('key schedule: early secret used after the handshake released it');
    return this.early;
  }

  private requireHandshake(): HmacKey {
    if (!this.handshake) throw new Error('key schedule: handshake secret used before it was derived');
    return this.handshake;
  }

  private requireMaster(): HmacKey {
    if (!this.master) throw new Error('key schedule: master secret used before it was derived');
    return this.master;
  }
}

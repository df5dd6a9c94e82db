import { equalBytes } from '../crypto/equal-bytes.js';
import { toHex } from '../engine/bytes.js';
import type { Session } from './session.js';

/** Default size limit, as OpenSSL's SSL_SESSION_CACHE_MAX_SIZE_DEFAULT. */
export const DEFAULT_SESSION_CACHE_SIZE = 1024 * 20;
/** Default session lifetime in seconds, as OpenSSL 3's default timeout for TLS. */
export const DEFAULT_SESSION_TIMEOUT = 7200;

/** Options for `new SessionCache()`. */
export interface SessionCacheOptions {
  /** Clock in milliseconds (the context's; default Date.now). */
  now?: () => number;
  /** Most sessions kept; 0 means no limit (SSL_CTX_sess_set_cache_size). */
  sizeLimit?: number;
  /** Lifetime in seconds given to new sessions (SSL_CTX_set_timeout). */
  timeout?: number;
}

/**
 * The in-memory session cache of a context (OpenSSL's internal session cache). Sessions are
 * kept in insertion order; when the cache is full the oldest is removed to make room.
 *
 * Removing a session, for whatever reason (`remove()`, expiry, size limit, `flush()`), marks it
 * not resumable and calls `onRemoveSession`, as OpenSSL's `SSL_CTX_remove_session` does. `remove()`
 * does so even for a session that was never in the cache (S-47): a client that kept a session
 * object through `onNewSession` must not resume a connection that was closed uncleanly.
 */
export class SessionCache {
  /** Called when a session is added (OpenSSL new_session_cb). */
  onNewSession: ((session: Session) => void) | null = null;
  /** Called when a session is removed (OpenSSL remove_session_cb). */
  onRemoveSession: ((session: Session) => void) | null = null;
  /**
   * Called by a server when a session ID (or stateful ticket) is not in the internal cache
   * (OpenSSL get_session_cb): return the session from an external store (see `sessionFromBytes`),
   * or null. With `onNewSession` and `onRemoveSession` this lets many servers share one store.
   */
  onGetSession: ((id: Uint8Array) => Session | null) | null = null;
  /** Lifetime in seconds for new sessions. */
  timeout: number;
  private limit: number;
  private readonly now: () => number;
  private readonly sessions = new Map<string, Session>();

  constructor(options: SessionCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.limit = options.sizeLimit ?? DEFAULT_SESSION_CACHE_SIZE;
    this.timeout = options.timeout ?? DEFAULT_SESSION_TIMEOUT;
  }

  /** Sessions currently cached (SSL_CTX_sess_number). */
  get size(): number {
    return this.sessions.size;
  }

  /** The size limit (SSL_CTX_sess_get_cache_size); 0 means none. */
  get sizeLimit(): number {
    return this.limit;
  }

  /** Sets the size limit (SSL_CTX_sess_set_cache_size), trimming the oldest sessions; returns the previous limit. */
  setSizeLimit(limit: number): number {
    const previous = this.limit;
    this.limit = Math.max(0, Math.floor(limit));
    this.trim(0);
    return previous;
  }

  /**
   * SSL_CTX_add_session: caches `session` and calls `onNewSession`. A session already cached (same
   * ID) is kept as is and false is returned. A session that is not resumable is not cached.
   */
  add(session: Session, storeInternally = true): boolean {
    if (!session.isResumable()) return false;
    const key = session.idHex;
    if (this.sessions.has(key)) return false;
    if (storeInternally) {
      this.trim(1);
      this.sessions.set(key, session);
    }
    this.onNewSession?.(session);
    return true;
  }

  /**
   * A server's lookup: the internal cache (unless `internal` is false), then `onGetSession`. A
   * session from the callback that has expired or is not resumable is refused; one that is fine is
   * copied into the internal cache when `storeInternally` (OpenSSL's default). Exceptions from the
   * callback count as a miss.
   */
  lookup(id: Uint8Array, internal = true, storeInternally = true): Session | null {
    if (internal) {
      const hit = this.get(id);
      if (hit) return hit;
    }
    if (!this.onGetSession) return null;
    let found: Session | null;
    try {
      found = this.onGetSession(id);
    } catch {
      return null;
    }
    if (!found || found.isExpired(this.now()) || !found.isResumable() || !equalBytes(found.id, id)) return null;
    if (storeInternally) {
      const key = found.idHex;
      if (!this.sessions.has(key)) {
        this.trim(1);
        this.sessions.set(key, found);
      }
    }
    return found;
  }

  /** The cached session with this ID (bytes or hex), or null. An expired session is removed instead. */
  get(id: Uint8Array | string): Session | null {
    const key = typeof id === 'string' ? id : toHex(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    if (session.isExpired(this.now()) || !session.isResumable()) {
      this.remove(session);
      return null;
    }
    return session;
  }

  /**
   * SSL_CTX_remove_session: takes the session out of the cache (if it is there), marks it not
   * resumable and calls `onRemoveSession`. Returns whether it was in the cache.
   */
  remove(session: Session): boolean {
    // An empty store (a TLS 1.3 server with stateless tickets) needs no key: the hex of the ID is
    // a string of 64 characters built per call, and every fatal alert evicts a session.
    const key = this.sessions.size > 0 ? session.idHex : null;
    const cached = key !== null && this.sessions.get(key) === session;
    if (cached) this.sessions.delete(key);
    session.notResumable();
    this.onRemoveSession?.(session);
    return cached;
  }

  /**
   * SSL_CTX_flush_sessions: removes every session that has expired at `time` (milliseconds,
   * default now); `flush(Infinity)` empties the cache. Returns how many were removed.
   */
  flush(time: number = this.now()): number {
    let n = 0;
    for (const session of [...this.sessions.values()]) {
      if (time === Infinity || session.isExpired(time)) {
        this.remove(session);
        n++;
      }
    }
    return n;
  }

  /** Removes the oldest sessions until `room` more fit under the limit. */
  private trim(room: number): void {
    if (this.limit === 0) return;
    while (this.sessions.size > 0 && this.sessions.size + room > this.limit) {
      const oldest = this.sessions.values().next().value as Session;
      this.remove(oldest);
    }
  }
}

/**
 * `s_client -sess_in` / `-sess_out`: a session kept in a file between runs. The file holds
 * typessl's own session bytes (`SslContext.sessionToBytes`, see ssl/session-codec.ts), not
 * OpenSSL's PEM SSL_SESSION, so only typessl reads it. It holds the session's secrets: it is
 * written readable by its owner only.
 */
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SslContext } from '../ssl/context.js';
import type { Session } from '../ssl/session.js';
import { UsageError } from './args.js';

/** The session in `path` (for `-sess_in`). A missing, unreadable or damaged file is a usage error. */
export function readSessionFile(ctx: SslContext, path: string): Session {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`-sess_in ${path}: ${(e as Error).message}`);
  }
  try {
    return ctx.sessionFromBytes(bytes);
  } catch (e) {
    throw new UsageError(`-sess_in ${path}: not a typessl session file (${(e as Error).message}); -sess_out of typessl s_client writes them`);
  }
}

/** Writes `session` to `path` (for `-sess_out`), replacing the file; mode 0600. */
export function writeSessionFile(ctx: SslContext, path: string, session: Session): void {
  writeFileSync(path, ctx.sessionToBytes(session), { mode: 0o600 });
}

/**
 * Checks before connecting that `-sess_out` can be written (the file, or its directory when it
 * does not exist yet), so a typing mistake is a usage error rather than a lost session at the end.
 */
export function checkSessionOutPath(path: string): void {
  try {
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch (e) {
    throw new UsageError(`-sess_out ${path}: cannot be written (${(e as Error).message})`);
  }
}

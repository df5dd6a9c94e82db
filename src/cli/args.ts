/**
 * OpenSSL-style command-line flags: a single dash, a name, and for some flags one value in the
 * next argument (`-connect host:port`). Unknown flags and missing values are usage errors, which
 * the commands report with their usage text and exit status 2.
 */

/** A usage error: the message says which argument is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What a command accepts: each flag's name (without the dash) and whether it takes a value. */
export type FlagSpec = Record<string, 'switch' | 'value'>;

/** Parsed flags: switches are `true`, valued flags hold their (last) value. */
export type Flags = Record<string, string | true>;

/** Parses `argv` against `spec`. Throws UsageError for anything the spec does not allow. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Flags {
  const out: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg.length < 2) throw new UsageError(`unexpected argument "${arg}"`);
    const name = arg.replace(/^--?/, '');
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option "${arg}"`);
    if (kind === 'switch') {
      out[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`option "${arg}" needs a value`);
    out[name] = value;
  }
  return out;
}

/** A valued flag, or undefined. */
export function valueOf(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A non-negative integer flag, or `fallback`. */
export function integerOf(flags: Flags, name: string, fallback: number): number {
  const v = valueOf(flags, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`option "-${name}" needs a whole number, got "${v}"`);
  return Number(v);
}

/**
 * Splits `[host:]port` (IPv6 in brackets: `[::1]:4433`). `defaultHost` fills a missing host.
 * The port must be 0..65535.
 */
export function parseHostPort(text: string, defaultHost: string): { host: string; port: number } {
  let host = defaultHost;
  let port: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2]!;
  } else if (/^\d+$/.test(text)) {
    port = text;
  } else {
    const at = text.lastIndexOf(':');
    if (at <= 0) throw new UsageError(`"${text}" is not host:port`);
    host = text.slice(0, at);
    port = text.slice(at + 1);
  }
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) throw new UsageError(`"${port}" is not a port number`);
  return { host, port: n };
}

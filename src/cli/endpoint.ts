/**
 * What `s_client` and `s_server` share: building the context from common flags, the key log
 * file, attaching the `-msg` / `-state` trace and the summary report to an `Ssl`, and printing
 * the peer's certificate.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { CryptoProvider } from '../crypto/provider.js';
import type { SslContextOptions } from '../ssl/context.js';
import type { Ssl } from '../ssl/ssl.js';
import { fingerprint, parseCertificate } from '../x509/certificate.js';
import { type Flags, UsageError, valueOf } from './args.js';
import { ConnectionReport, formatMsgLine, formatStateLine } from './trace-format.js';

/** Where the commands print diagnostics (stderr in the real command; tests may capture). */
export type Print = (line: string) => void;

/** Flags both commands accept, with the same meaning as OpenSSL's. */
export const COMMON_FLAGS = {
  cert: 'value',
  key: 'value',
  CAfile: 'value',
  alpn: 'value',
  groups: 'value',
  ciphersuites: 'value',
  cipher: 'value',
  tls1_2: 'switch',
  tls1_3: 'switch',
  keylogfile: 'value',
  msg: 'switch',
  state: 'switch',
  quiet: 'switch',
  help: 'switch',
} as const;

/** Reads a file named by a flag, with an error that names the flag. */
export function readFlagFile(flags: Flags, name: string): string | undefined {
  const path = valueOf(flags, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`-${name} ${path}: ${(e as Error).message}`);
  }
}

/** Context options from the common flags (certificate, key, ALPN, groups, suites). */
export function commonContextOptions(flags: Flags, provider: CryptoProvider): SslContextOptions {
  const opts: SslContextOptions = { provider };
  const cert = readFlagFile(flags, 'cert');
  const key = readFlagFile(flags, 'key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('-cert and -key go together');
  if (cert !== undefined) opts.certificate = cert;
  if (key !== undefined) opts.privateKey = key;
  const alpn = valueOf(flags, 'alpn');
  if (alpn !== undefined) opts.alpnProtocols = alpn.split(',').filter((p) => p.length > 0);
  const groups = valueOf(flags, 'groups');
  if (groups !== undefined) opts.groups = groups;
  const suites = valueOf(flags, 'ciphersuites');
  if (suites !== undefined) opts.ciphersuites = suites;
  const cipherList = valueOf(flags, 'cipher');
  if (cipherList !== undefined) opts.cipherList = cipherList;
  // -tls1_2 / -tls1_3: only that version, as OpenSSL's flags mean.
  if (flags['tls1_2'] === true && flags['tls1_3'] === true) throw new UsageError('-tls1_2 and -tls1_3 cannot be combined');
  if (flags['tls1_2'] === true) opts.minVersion = opts.maxVersion = 'TLSv1.2';
  if (flags['tls1_3'] === true) opts.minVersion = opts.maxVersion = 'TLSv1.3';
  return opts;
}

/** The key log file: `-keylogfile` wins over the SSLKEYLOGFILE environment variable. */
export function keyLogPath(flags: Flags): string | undefined {
  return valueOf(flags, 'keylogfile') ?? (process.env['SSLKEYLOGFILE'] || undefined);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Attaches the observers the flags ask for to `ssl` and returns the report that counts what the
 * connection did. Key log lines are NSS format (`LABEL <client random> <secret>`), appended as
 * each secret appears, so a capture can be decrypted even if the process is killed.
 */
export function instrument(ssl: Ssl, role: 'client' | 'server', flags: Flags, print: Print): ConnectionReport {
  const report = new ConnectionReport();
  const msg = flags['msg'] === true;
  const state = flags['state'] === true;
  ssl.setTrace((e) => {
    report.observe(e);
    if (msg) print(formatMsgLine(e));
    if (state) {
      const line = formatStateLine(role, e);
      if (line) print(line);
    }
  });
  const path = keyLogPath(flags);
  if (path !== undefined) {
    ssl.setKeyLog((label, random, secret) => appendFileSync(path, `${label} ${hex(random)} ${hex(secret)}\n`));
  }
  return report;
}

/** The handshake's outcome and the peer's certificate, as `s_client` prints it after connecting. */
export function describeConnection(ssl: Ssl, provider: CryptoProvider): string[] {
  const lines = [
    // OpenSSL's line, so scripts that look for "Reused," or "New," keep working.
    `${ssl.sessionReused() ? 'Reused' : 'New'}, ${ssl.getVersion()}, Cipher is ${ssl.getCipherName() ?? 'none'}`,
    `Protocol: ${ssl.getVersion()}`,
    `Cipher: ${ssl.getCipherName() ?? 'none'}`,
    `Group: ${ssl.getGroupName() ?? 'none'}`,
  ];
  const sig = ssl.getPeerSignatureSchemeName();
  if (sig) lines.push(`Peer signature: ${sig}`);
  lines.push(`ALPN: ${ssl.getAlpnSelected() ?? 'none'}`);
  const [leaf] = ssl.getPeerCertificates();
  if (leaf) {
    try {
      const cert = parseCertificate(leaf);
      lines.push(`Peer certificate: subject ${cert.subject}; issuer ${cert.issuer}`);
      lines.push(`  valid ${cert.notBefore.toISOString()} .. ${cert.notAfter.toISOString()}`);
      lines.push(`  SHA-256 fingerprint ${fingerprint(provider, cert)}`);
    } catch {
      lines.push('Peer certificate: (could not be parsed)');
    }
  } else {
    lines.push('Peer certificate: none');
  }
  return lines;
}

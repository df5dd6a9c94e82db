/**
 * A test PKI made certificate by certificate with the `openssl ca` command, for verification
 * tests that need many variants (bad extensions, odd dates, weak algorithms, name constraints).
 * `pki.ts` makes the fixed PKI the interop tests share; this one makes whatever a test asks for.
 *
 * Everything lives in a fresh temp directory, removed by `cleanup()` (and at process exit).
 * `openssl ca` is used rather than `x509 -req` because it takes explicit start and end dates,
 * so expired and not-yet-valid certificates are real ones, not a trick of the verifier's clock.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestKeyKind = 'ec' | 'ec384' | 'rsa' | 'rsa1024' | 'ed25519';

/** One made certificate. */
export interface MadeCert {
  name: string;
  certPath: string;
  keyPath: string;
  pem: string;
  keyPem: string;
  der: Uint8Array;
}

export interface CertSpec {
  /** `openssl -subj` form, e.g. `/O=t/CN=leaf`. */
  subject: string;
  /** Key kind (default ec). Ignored when `reuseKeyOf` is given. */
  key?: TestKeyKind;
  /** Use the key of an earlier certificate (same key, different certificate). */
  reuseKeyOf?: string;
  /** Issuer certificate name; absent = self-signed. */
  issuer?: string;
  /** Extension lines in openssl config syntax, one per array entry. */
  ext: string[];
  /** YYYYMMDDHHMMSSZ; default: one hour ago. */
  start?: string;
  /** YYYYMMDDHHMMSSZ; default: thirty days from now. */
  end?: string;
  /** Digest (default sha256; sha1 / md5 for weak-algorithm tests). */
  md?: string;
  /** Extra `-sigopt` values (for RSA-PSS: `rsa_padding_mode:pss`). */
  sigopt?: string[];
}

/** Common extension sets. */
export const EXT = {
  root: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'],
  intermediate: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid:always'],
  leaf: (san = 'DNS:localhost,IP:127.0.0.1'): string[] => [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    `subjectAltName=${san}`,
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid:always',
  ],
};

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** A factory bound to one temp directory. */
export class CertFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'typessl-certs-'));
  private readonly certs = new Map<string, MadeCert>();
  /** Key kind by key file, to know when the signer is Ed25519 (which takes no digest). */
  private readonly keyKinds = new Map<string, TestKeyKind>();
  private counter = 0;

  constructor() {
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'serial'), '1000\n');
    writeFileSync(
      join(this.dir, 'ca.cnf'),
      ['[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial', 'unique_subject = no', 'policy = anything', 'default_md = sha256', 'copy_extensions = none', '[anything]', 'organizationName = optional', 'commonName = optional', '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = unused', ''].join('\n'),
    );
    process.on('exit', () => this.cleanup());
  }

  private openssl(args: string[]): void {
    try {
      execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
    }
  }

  private genKey(name: string, kind: TestKeyKind): string {
    const path = join(this.dir, `${name}.key`);
    const algo: Record<TestKeyKind, string[]> = {
      ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
      ed25519: ['-algorithm', 'ED25519'],
    };
    this.openssl(['genpkey', ...algo[kind], '-out', path]);
    this.keyKinds.set(path, kind);
    return path;
  }

  /** Makes (once) the named certificate. */
  make(name: string, spec: CertSpec): MadeCert {
    const existing = this.certs.get(name);
    if (existing) return existing;
    const keyPath = spec.reuseKeyOf ? this.get(spec.reuseKeyOf).keyPath : this.genKey(name, spec.key ?? 'ec');
    const n = ++this.counter;
    const extFile = join(this.dir, `ext${n}.cnf`);
    writeFileSync(extFile, `[x]\n${spec.ext.join('\n')}\n`);
    const csr = join(this.dir, `${name}.csr`);
    this.openssl(['req', '-config', 'ca.cnf', '-new', '-key', keyPath, '-subj', spec.subject, '-out', csr]);
    const certPath = join(this.dir, `${name}.pem`);
    const now = Date.now();
    const args = [
      'ca', '-batch', '-config', 'ca.cnf', '-notext', '-preserveDN', '-in', csr, '-out', certPath,
      '-extfile', extFile, '-extensions', 'x',
      '-startdate', spec.start ?? stamp(new Date(now - 3600_000)),
      '-enddate', spec.end ?? stamp(new Date(now + 30 * 86400_000)),
      '-md', spec.md ?? 'sha256',
    ];
    for (const o of spec.sigopt ?? []) args.push('-sigopt', o);
    if (spec.issuer) {
      const issuer = this.get(spec.issuer);
      args.push('-cert', issuer.certPath, '-keyfile', issuer.keyPath);
    } else {
      args.push('-selfsign', '-keyfile', keyPath);
    }
    // Ed25519 has no separate digest.
    if (this.keyKinds.get(spec.issuer ? this.get(spec.issuer).keyPath : keyPath) === 'ed25519') {
      args.splice(args.indexOf('-md'), 2);
    }
    this.openssl(args);
    const pem = readFileSync(certPath, 'utf8');
    const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const made: MadeCert = { name, certPath, keyPath, pem, keyPem: readFileSync(keyPath, 'utf8'), der: new Uint8Array(Buffer.from(b64, 'base64')) };
    this.certs.set(name, made);
    return made;
  }

  /** An already made certificate. */
  get(name: string): MadeCert {
    const c = this.certs.get(name);
    if (!c) throw new Error(`no certificate "${name}" made yet`);
    return c;
  }

  /** Writes text to a file in the directory (chains for peers); returns the path. */
  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** YYYYMMDDHHMMSSZ for a date (for `start` / `end`). */
export function opensslTime(d: Date): string {
  return stamp(d);
}

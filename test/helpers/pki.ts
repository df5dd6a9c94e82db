/**
 * A throw-away PKI made by the `openssl` CLI, for tests that need certificates made by another
 * implementation (parsing tests, and interop tests against openssl s_server / s_client).
 *
 * Generated once per process (one test file = one process under `node --test`) into a fresh
 * directory under the OS temp dir, removed by `cleanup()` or at process exit. RSA key generation
 * is the slow part, so only what is listed below is made.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One certificate with its key, as files and as PEM text. */
export interface PkiCredential {
  certPath: string;
  keyPath: string;
  /** The certificate followed by its issuers up to, not including, the root: what a server sends. */
  chainPath: string;
  certPem: string;
  /** PKCS#8 "PRIVATE KEY" PEM. */
  keyPem: string;
  chainPem: string;
}

/** root CA -> intermediate CA -> leaf. */
export interface PkiChain {
  root: PkiCredential;
  intermediate: PkiCredential;
  /** CN=localhost, SAN DNS:localhost + IP:127.0.0.1; its chain holds leaf + intermediate. */
  leaf: PkiCredential;
  /** The root certificate alone: the trust anchor file for `-CAfile`. */
  caPath: string;
  caPem: string;
}

/** Everything `makeTestPki` generates. */
export interface TestPki {
  dir: string;
  /** Self-signed RSA-2048 leaf, CN=localhost, SAN DNS:localhost + IP:127.0.0.1. */
  rsa: PkiCredential;
  /** Self-signed ECDSA P-256 leaf, same names. */
  ec: PkiCredential;
  /** ECDSA P-256 chain. */
  ecChain: PkiChain;
  /** RSA-2048 chain. */
  rsaChain: PkiChain;
  /** Removes the directory; the next `makeTestPki()` generates afresh. */
  cleanup(): void;
}

/** Subject of every leaf in the chains, in `openssl -subj` order (most significant first). */
export const CHAIN_LEAF_SUBJECT = '/O=typessl test/CN=localhost';

// Our own config, so the system openssl.cnf (whose default req extensions differ between
// distributions) cannot change what is generated.
const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[self_signed_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
[root_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[intermediate_ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[chain_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

let cached: TestPki | undefined;
let exitHookInstalled = false;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

type KeyKind = 'rsa' | 'ec';

function genKey(dir: string, name: string, kind: KeyKind): string {
  const path = join(dir, `${name}.key`);
  const algo = kind === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(['genpkey', ...algo, '-out', path], dir);
  return path;
}

function randomSerial(): string {
  // openssl x509 -req would otherwise need a serial file; 64 random bits, top bit clear.
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return '0x' + bytes.toString('hex');
}

function credential(dir: string, name: string, issuers: string[] = []): PkiCredential {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  const certPem = readFileSync(certPath, 'utf8');
  const chainPem = certPem + issuers.map((p) => readFileSync(p, 'utf8')).join('');
  const chainPath = join(dir, `${name}-chain.pem`);
  writeFileSync(chainPath, chainPem);
  return { certPath, keyPath, chainPath, certPem, keyPem: readFileSync(keyPath, 'utf8'), chainPem };
}

function selfSigned(dir: string, name: string, kind: KeyKind, subject: string, extensions: string): void {
  const key = genKey(dir, name, kind);
  openssl(
    ['req', '-config', 'openssl.cnf', '-new', '-x509', '-key', key, '-subj', subject, '-extensions', extensions, '-days', '30', '-sha256', '-out', join(dir, `${name}.pem`)],
    dir,
  );
}

function issued(dir: string, name: string, kind: KeyKind, subject: string, extensions: string, issuer: string): void {
  const key = genKey(dir, name, kind);
  const csr = join(dir, `${name}.csr`);
  openssl(['req', '-config', 'openssl.cnf', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  openssl(
    [
      'x509', '-req', '-in', csr,
      '-CA', join(dir, `${issuer}.pem`), '-CAkey', join(dir, `${issuer}.key`), '-set_serial', randomSerial(),
      '-extfile', 'openssl.cnf', '-extensions', extensions, '-days', '30', '-sha256',
      '-out', join(dir, `${name}.pem`),
    ],
    dir,
  );
}

function chain(dir: string, kind: KeyKind): PkiChain {
  const label = kind === 'rsa' ? 'RSA' : 'EC';
  selfSigned(dir, `${kind}-root`, kind, `/O=typessl test/CN=typessl test root ${label}`, 'root_ca');
  issued(dir, `${kind}-intermediate`, kind, `/O=typessl test/CN=typessl test intermediate ${label}`, 'intermediate_ca', `${kind}-root`);
  issued(dir, `${kind}-leaf`, kind, CHAIN_LEAF_SUBJECT, 'chain_leaf', `${kind}-intermediate`);
  const root = credential(dir, `${kind}-root`);
  const intermediate = credential(dir, `${kind}-intermediate`);
  const leaf = credential(dir, `${kind}-leaf`, [intermediate.certPath]);
  return { root, intermediate, leaf, caPath: root.certPath, caPem: root.certPem };
}

/**
 * The process's test PKI, generated on first use with the `openssl` CLI (a few seconds, mostly
 * RSA key generation) and cached until `cleanup()`.
 */
export function makeTestPki(): TestPki {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'typessl-pki-'));
  try {
    writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
    selfSigned(dir, 'rsa', 'rsa', '/CN=localhost', 'self_signed_leaf');
    selfSigned(dir, 'ec', 'ec', '/CN=localhost', 'self_signed_leaf');
    const pki: TestPki = {
      dir,
      rsa: credential(dir, 'rsa'),
      ec: credential(dir, 'ec'),
      ecChain: chain(dir, 'ec'),
      rsaChain: chain(dir, 'rsa'),
      cleanup() {
        rmSync(dir, { recursive: true, force: true });
        if (cached === pki) cached = undefined;
      },
    };
    cached = pki;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (!exitHookInstalled) {
    // A test file that forgets cleanup() (or dies) should not leave key material in /tmp.
    exitHookInstalled = true;
    process.on('exit', () => cached?.cleanup());
  }
  return cached;
}

/**
 * OpenSSL cipher strings ("HIGH:!aNULL", "ECDHE+AESGCM:@STRENGTH", node's `tls.DEFAULT_CIPHERS")
 * evaluated over the TLS 1.2 suites typessl implements, with the rules of OpenSSL 3.0's
 * SSL_CTX_set_cipher_list (man openssl-ciphers):
 *
 * - elements are separated by ':' (also ',', ' ' or ';');
 * - a suite name or keyword adds the suites it selects that are not in the list yet, at its end;
 * - `!X` removes them for good, `-X` removes them (a later element may add them again), `+X`
 *   moves those in the list to its end; `A+B` selects what A and B both select;
 * - `@STRENGTH` sorts the list by key length, longest first (stable); `@SECLEVEL=n` see below;
 * - a string that starts with `DEFAULT` starts from OpenSSL's default list.
 *
 * The list starts in OpenSSL's preference order, so a string gives the suites OpenSSL's list would
 * hold, in the same order, minus those typessl does not implement. Suites OpenSSL knows and
 * typessl lacks (AES128-SHA, DHE-RSA-AES256-GCM-SHA384, ...) select nothing, as OpenSSL drops
 * unavailable suites. Unlike OpenSSL, an element that is neither a cipher suite name nor a keyword
 * is an error naming it (OpenSSL ignores typos silently), and so is a string that leaves no suite.
 */
import { suiteByName, type SuiteInfo, TLS12_SUITES } from '../crypto/suites.js';
import { OPENSSL_TLS12_CIPHER_NAMES } from './openssl-cipher-names.js';

// Algorithm bits, one set per property, shaped like OpenSSL's SSL_CIPHER masks (the values are
// typessl's own). Keywords for algorithms typessl lacks get bits no typessl suite has, so that
// `A+B` of two of them is empty exactly when it is in OpenSSL.
const kRSA = 1 << 0, kDHE = 1 << 1, kECDHE = 1 << 2, kPSK = 1 << 3, kRSAPSK = 1 << 4;
const kECDHEPSK = 1 << 5, kDHEPSK = 1 << 6, kSRP = 1 << 7, kGOST = 1 << 8, kGOST18 = 1 << 9;
const aRSA = 1 << 0, aDSS = 1 << 1, aNULL = 1 << 2, aECDSA = 1 << 3, aPSK = 1 << 4;
const aGOST01 = 1 << 5, aGOST12 = 1 << 6, aSRP = 1 << 7;
const e3DES = 1 << 0, eRC4 = 1 << 1, eRC2 = 1 << 2, eIDEA = 1 << 3, eNULL = 1 << 4, eAES128 = 1 << 5;
const eAES256 = 1 << 6, eCAMELLIA128 = 1 << 7, eCAMELLIA256 = 1 << 8, eGOST89 = 1 << 9, eSEED = 1 << 10;
const eAES128GCM = 1 << 11, eAES256GCM = 1 << 12, eAES128CCM = 1 << 13, eAES256CCM = 1 << 14;
const eAES128CCM8 = 1 << 15, eAES256CCM8 = 1 << 16, eGOST8912 = 1 << 17, eCHACHA20 = 1 << 18;
const eARIA128GCM = 1 << 19, eARIA256GCM = 1 << 20, eMAGMA = 1 << 21, eKUZNYECHIK = 1 << 22;
const mMD5 = 1 << 0, mSHA1 = 1 << 1, mGOST94 = 1 << 2, mGOST89MAC = 1 << 3, mSHA256 = 1 << 4;
const mSHA384 = 1 << 5, mAEAD = 1 << 6, mGOST12 = 1 << 7;
const LOW = 1 << 0, MEDIUM = 1 << 1, HIGH = 1 << 2, FIPS = 1 << 3;
const TLS1_2 = 0x0303;

const eAESGCM = eAES128GCM | eAES256GCM;
const eAESCCM = eAES128CCM | eAES256CCM | eAES128CCM8 | eAES256CCM8;
const eAES = eAES128 | eAES256 | eAESGCM | eAESCCM;
const eARIA = eARIA128GCM | eARIA256GCM;

/**
 * What an element selects: each non-zero mask must share a bit with the suite's property,
 * `minTls` must equal its version and a non-zero `id` its code point. `none` selects nothing (a
 * suite typessl lacks, a keyword for something OpenSSL 3.0 no longer has, an empty `A+B`).
 */
interface Selector {
  mkey: number;
  auth: number;
  enc: number;
  mac: number;
  strength: number;
  /** OpenSSL's SSL_NOT_DEFAULT class (COMPLEMENTOFDEFAULT); no typessl suite is in it. */
  notDefault: number;
  minTls: number;
  /** A suite's code point when the element's last name is that suite (0: none). */
  id: number;
  none: boolean;
}

const ANY: Selector = { mkey: 0, auth: 0, enc: 0, mac: 0, strength: 0, notDefault: 0, minTls: 0, id: 0, none: false };
const NONE: Selector = { ...ANY, none: true };
const sel = (s: Partial<Selector>): Selector => ({ ...ANY, ...s });

/** OpenSSL 3.0's cipher-string keywords (ssl_ciph.c's alias table). */
const KEYWORDS: ReadonlyMap<string, Selector> = new Map<string, Selector>([
  ['ALL', sel({ enc: ~eNULL })],
  ['COMPLEMENTOFALL', sel({ enc: eNULL })],
  ['COMPLEMENTOFDEFAULT', sel({ notDefault: 1 })],
  ['kRSA', sel({ mkey: kRSA })],
  ['kEDH', sel({ mkey: kDHE })],
  ['kDHE', sel({ mkey: kDHE })],
  ['DH', sel({ mkey: kDHE })],
  ['kEECDH', sel({ mkey: kECDHE })],
  ['kECDHE', sel({ mkey: kECDHE })],
  ['ECDH', sel({ mkey: kECDHE })],
  ['kPSK', sel({ mkey: kPSK })],
  ['kRSAPSK', sel({ mkey: kRSAPSK })],
  ['kECDHEPSK', sel({ mkey: kECDHEPSK })],
  ['kDHEPSK', sel({ mkey: kDHEPSK })],
  ['kSRP', sel({ mkey: kSRP })],
  ['kGOST', sel({ mkey: kGOST })],
  ['kGOST18', sel({ mkey: kGOST18 })],
  ['aRSA', sel({ auth: aRSA })],
  ['aDSS', sel({ auth: aDSS })],
  ['DSS', sel({ auth: aDSS })],
  ['aNULL', sel({ auth: aNULL })],
  ['aECDSA', sel({ auth: aECDSA })],
  ['ECDSA', sel({ auth: aECDSA })],
  ['aPSK', sel({ auth: aPSK })],
  ['aGOST01', sel({ auth: aGOST01 })],
  ['aGOST12', sel({ auth: aGOST12 })],
  ['aGOST', sel({ auth: aGOST01 | aGOST12 })],
  ['aSRP', sel({ auth: aSRP })],
  ['EDH', sel({ mkey: kDHE, auth: ~aNULL })],
  ['DHE', sel({ mkey: kDHE, auth: ~aNULL })],
  ['EECDH', sel({ mkey: kECDHE, auth: ~aNULL })],
  ['ECDHE', sel({ mkey: kECDHE, auth: ~aNULL })],
  ['NULL', sel({ enc: eNULL })],
  ['RSA', sel({ mkey: kRSA, auth: aRSA })],
  ['ADH', sel({ mkey: kDHE, auth: aNULL })],
  ['AECDH', sel({ mkey: kECDHE, auth: aNULL })],
  ['PSK', sel({ mkey: kPSK | kRSAPSK | kECDHEPSK | kDHEPSK })],
  ['SRP', sel({ mkey: kSRP })],
  ['3DES', sel({ enc: e3DES })],
  ['RC4', sel({ enc: eRC4 })],
  ['RC2', sel({ enc: eRC2 })],
  ['IDEA', sel({ enc: eIDEA })],
  ['SEED', sel({ enc: eSEED })],
  ['eNULL', sel({ enc: eNULL })],
  ['GOST', sel({ enc: eGOST89 | eGOST8912 | eMAGMA | eKUZNYECHIK })],
  ['AES128', sel({ enc: eAES128 | eAES128GCM | eAES128CCM | eAES128CCM8 })],
  ['AES256', sel({ enc: eAES256 | eAES256GCM | eAES256CCM | eAES256CCM8 })],
  ['AES', sel({ enc: eAES })],
  ['AESGCM', sel({ enc: eAESGCM })],
  ['AESCCM', sel({ enc: eAESCCM })],
  ['AESCCM8', sel({ enc: eAES128CCM8 | eAES256CCM8 })],
  ['CAMELLIA128', sel({ enc: eCAMELLIA128 })],
  ['CAMELLIA256', sel({ enc: eCAMELLIA256 })],
  ['CAMELLIA', sel({ enc: eCAMELLIA128 | eCAMELLIA256 })],
  ['CHACHA20', sel({ enc: eCHACHA20 })],
  ['ARIA', sel({ enc: eARIA })],
  ['ARIAGCM', sel({ enc: eARIA })],
  ['ARIA128', sel({ enc: eARIA128GCM })],
  ['ARIA256', sel({ enc: eARIA256GCM })],
  ['CBC', sel({ enc: e3DES | eRC2 | eIDEA | eAES128 | eAES256 | eCAMELLIA128 | eCAMELLIA256 | eSEED })],
  ['MD5', sel({ mac: mMD5 })],
  ['SHA1', sel({ mac: mSHA1 })],
  ['SHA', sel({ mac: mSHA1 })],
  ['GOST94', sel({ mac: mGOST94 })],
  ['GOST89MAC', sel({ mac: mGOST89MAC })],
  ['SHA256', sel({ mac: mSHA256 })],
  ['SHA384', sel({ mac: mSHA384 })],
  ['GOST12', sel({ mac: mGOST12 })],
  ['SSLv3', sel({ minTls: 0x0300 })],
  ['TLSv1', sel({ minTls: 0x0301 })],
  ['TLSv1.0', sel({ minTls: 0x0301 })],
  ['TLSv1.2', sel({ minTls: TLS1_2 })],
  ['LOW', sel({ strength: LOW })],
  ['MEDIUM', sel({ strength: MEDIUM })],
  ['HIGH', sel({ strength: HIGH })],
  ['FIPS', sel({ enc: ~eNULL, strength: FIPS })],
  // Keywords of older OpenSSL versions whose suites are gone (OpenSSL 3.0 ignores them as
  // unknown); node's tls.DEFAULT_CIPHERS still says !EXPORT and !DES.
  ...['EXP', 'EXPORT', 'EXPORT40', 'EXPORT56', 'DES', 'kDHr', 'kDHd', 'kDH', 'aDH', 'kECDHr', 'kECDHe', 'kECDH', 'aECDH', 'KRB5', 'kKRB5', 'aKRB5', 'SSLv2', 'FZA', 'kFZA', 'aFZA', 'eFZA', 'DTLSv1', 'DTLSv1.0', 'DTLSv1.2'].map(
    (name): [string, Selector] => [name, NONE],
  ),
]);

/**
 * Two names in node's `tls.DEFAULT_CIPHERS` that name no suite (no DHE_RSA_WITH_AES_256_CBC_SHA384
 * or ECDHE_RSA_WITH_AES_256_CBC_SHA256 exists); OpenSSL ignores them. They select nothing here, so
 * that node's default list is accepted.
 */
const NODE_DEFAULT_PHANTOMS: ReadonlySet<string> = new Set(['DHE-RSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA256']);

/** A typessl TLS 1.2 suite with the properties cipher strings select on. */
interface Candidate {
  readonly id: number;
  readonly mkey: number;
  readonly auth: number;
  readonly enc: number;
  readonly mac: number;
  readonly strength: number;
  /** Key length in bits (OpenSSL's strength_bits: 128 for AES-128, 256 for AES-256 and ChaCha20). */
  readonly bits: number;
}

const ENC_OF: Record<SuiteInfo['aead'], number> = { 'aes-128-gcm': eAES128GCM, 'aes-256-gcm': eAES256GCM, 'chacha20-poly1305': eCHACHA20 };

function candidate(suite: SuiteInfo): Candidate {
  const enc = ENC_OF[suite.aead];
  // OpenSSL marks ECDHE with AES-GCM as HIGH and FIPS, ECDHE with ChaCha20-Poly1305 as HIGH.
  const strength = HIGH | ((enc & eAESGCM) !== 0 ? FIPS : 0);
  return { id: suite.id, mkey: kECDHE, auth: suite.auth === 'ecdsa' ? aECDSA : aRSA, enc, mac: mAEAD, strength, bits: suite.keyLength * 8 };
}

/**
 * The order OpenSSL's list starts in (what `openssl ciphers -tls1_2 ALL` lists of typessl's
 * suites): longest key first, then AES-GCM before ChaCha20, ECDSA before RSA.
 */
const OPENSSL_ORDER = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].map((name) => candidate(suiteByName(name)!));

/** OpenSSL's SSL_DEFAULT_CIPHER_LIST, which a string starting with DEFAULT starts from. */
const OPENSSL_DEFAULT_LIST = 'ALL:!COMPLEMENTOFDEFAULT:!eNULL';

const SEPARATOR = /[:, ;]/;
const WORD = /^[A-Za-z0-9._=-]+$/;

type Action = 'add' | 'kill' | 'remove' | 'moveToEnd';
const ACTIONS: Record<string, Action> = { '!': 'kill', '-': 'remove', '+': 'moveToEnd' };

/** The list being built: every suite not killed, in order, each in it (active) or not. */
class CipherOrder {
  private entries = OPENSSL_ORDER.map((suite) => ({ suite, active: false }));

  apply(action: Action, selector: Selector): void {
    const hit = (e: { suite: Candidate }) => matches(selector, e.suite);
    const picked = this.entries.filter((e) => hit(e) && (action === 'add' ? !e.active : action === 'kill' || e.active));
    if (picked.length === 0) return;
    const rest = this.entries.filter((e) => !picked.includes(e));
    if (action === 'kill') {
      this.entries = rest;
    } else if (action === 'remove') {
      // As OpenSSL: removed suites go to the front, so a later add takes them in their old order.
      for (const e of picked) e.active = false;
      this.entries = [...picked, ...rest];
    } else {
      for (const e of picked) e.active = true;
      this.entries = [...rest, ...picked];
    }
  }

  /** @STRENGTH: the suites in the list sorted by key length, longest first, stable. */
  sortByStrength(): void {
    const active = this.entries.filter((e) => e.active);
    const sorted = active.slice().sort((a, b) => b.suite.bits - a.suite.bits);
    this.entries = [...this.entries.filter((e) => !e.active), ...sorted];
  }

  ids(): number[] {
    return this.entries.filter((e) => e.active).map((e) => e.suite.id);
  }
}

function matches(s: Selector, c: Candidate): boolean {
  if (s.none || s.notDefault !== 0) return false;
  if (s.id !== 0 && s.id !== c.id) return false;
  if (s.mkey !== 0 && (s.mkey & c.mkey) === 0) return false;
  if (s.auth !== 0 && (s.auth & c.auth) === 0) return false;
  if (s.enc !== 0 && (s.enc & c.enc) === 0) return false;
  if (s.mac !== 0 && (s.mac & c.mac) === 0) return false;
  if (s.strength !== 0 && (s.strength & c.strength) === 0) return false;
  return s.minTls === 0 || s.minTls === TLS1_2;
}

/**
 * `A+B`: each mask narrowed to the bits both have, as OpenSSL does (no common bit: nothing). Two
 * OpenSSL quirks kept: a suite name counts as that one suite only when it is the last name, and
 * the first strength class (HIGH, FIPS, or a suite's own) replaces COMPLEMENTOFDEFAULT, so
 * "COMPLEMENTOFDEFAULT+HIGH" is HIGH (OpenSSL stores both in one field and assigns it).
 */
function intersect(a: Selector, b: Selector): Selector {
  if (a.none || b.none) return NONE;
  const out = { ...a, id: b.id };
  if (b.strength !== 0 && a.strength === 0) out.notDefault = 0;
  for (const key of ['mkey', 'auth', 'enc', 'mac', 'strength', 'notDefault'] as const) {
    if (b[key] === 0) continue;
    out[key] = a[key] === 0 ? b[key] : a[key] & b[key];
    if (out[key] === 0) return NONE;
  }
  if (b.minTls !== 0) {
    if (a.minTls !== 0 && a.minTls !== b.minTls) return NONE;
    out.minTls = b.minTls;
  }
  return out;
}

/** What one name of an element selects; throws for a name that is neither a suite nor a keyword. */
function selectorFor(name: string, spec: string): Selector {
  const keyword = KEYWORDS.get(name);
  if (keyword) return keyword;
  const suite = suiteByName(name);
  if (suite?.version === 'TLSv1.2') {
    // The suite, with its own properties (not its protocol version, as OpenSSL) for `A+B`.
    const c = candidate(suite);
    return sel({ mkey: c.mkey, auth: c.auth, enc: c.enc, mac: c.mac, strength: c.strength, id: c.id });
  }
  if (OPENSSL_TLS12_CIPHER_NAMES.has(name) || NODE_DEFAULT_PHANTOMS.has(name)) return NONE;
  if (suite?.version === 'TLSv1.3' || /^TLS_AES_128_CCM(_8)?_SHA256$/.test(name)) {
    throw new Error(`${name} in cipher list "${spec}" is a TLS 1.3 suite: TLS 1.3 suites are set with ciphersuites, the cipher list holds the TLS 1.2 ones`);
  }
  if (name === 'DEFAULT') throw new Error(`DEFAULT in cipher list "${spec}" is a keyword only at the start of the list (OpenSSL ignores it anywhere else)`);
  if (name.startsWith('SUITEB')) throw new Error(`${name} in cipher list "${spec}": Suite B mode (RFC 6460) is not supported by typessl; name the suites instead`);
  throw new Error(`unknown cipher suite or keyword "${name}" in cipher list "${spec}"${caseHint(name)}`);
}

/** A hint when the name is a keyword or suite name in another case (OpenSSL's names are case-sensitive). */
function caseHint(name: string): string {
  const upper = name.toUpperCase();
  const known = [...KEYWORDS.keys(), ...OPENSSL_TLS12_CIPHER_NAMES].find((k) => k.toUpperCase() === upper);
  return known ? ` (names are case-sensitive: did you mean "${known}"?)` : '';
}

/**
 * `@STRENGTH` or `@SECLEVEL=n`. OpenSSL's security levels 0 to 3 exclude none of typessl's
 * suites (each has at least 128-bit security and forward secrecy), so they are accepted and
 * change nothing; typessl does not apply the rest of what a level means (key sizes and groups are
 * `verifyPolicy` and `groups`). Levels 4 and 5 would exclude suites, which typessl does not
 * implement: rather than ignore a stricter setting, they are an error.
 */
function special(command: string, order: CipherOrder, spec: string): void {
  if (command === 'STRENGTH') return order.sortByStrength();
  const level = /^SECLEVEL=([0-9])$/.exec(command);
  if (!level) throw new Error(`unknown command "@${command}" in cipher list "${spec}" (known: @STRENGTH, @SECLEVEL=n)`);
  const n = Number(level[1]);
  if (n > 5) throw new Error(`@SECLEVEL=${n} in cipher list "${spec}": security levels go from 0 to 5`);
  if (n > 3) throw new Error(`@SECLEVEL=${n} in cipher list "${spec}" is not supported: typessl applies no security level above 3; select the suites explicitly (e.g. "HIGH:!AES128")`);
}

function applyRules(rules: string, order: CipherOrder, spec: string): void {
  for (const element of rules.split(SEPARATOR)) {
    if (element === '') continue;
    if (element.startsWith('@')) {
      special(element.slice(1), order, spec);
      continue;
    }
    const action = ACTIONS[element[0]!];
    const body = action ? element.slice(1) : element;
    const names = body.split('+');
    const bad = names.find((n) => !WORD.test(n));
    if (bad !== undefined) {
      throw new Error(bad === '' ? `empty name in "${element}" of cipher list "${spec}"` : `invalid characters in "${bad}" of cipher list "${spec}"`);
    }
    const selector = names.map((n) => selectorFor(n, spec)).reduce(intersect);
    order.apply(action ?? 'add', selector);
  }
}

/**
 * Evaluates an OpenSSL cipher string (see this module's description) to the TLS 1.2 suites
 * typessl implements, as code points in preference order. Throws an Error naming the element
 * for a typo, a TLS 1.3 suite, an unsupported command, or when no suite is left.
 */
export function evaluateCipherString(spec: string): number[] {
  const order = new CipherOrder();
  let rules = spec;
  if (spec.startsWith('DEFAULT')) {
    applyRules(OPENSSL_DEFAULT_LIST, order, spec);
    rules = spec.slice('DEFAULT'.length).replace(/^:/, '');
  }
  applyRules(rules, order, spec);
  const ids = order.ids();
  if (ids.length === 0) {
    throw new Error(
      `no cipher suite typessl implements matches "${spec}": typessl speaks only ECDHE with AES-GCM or ChaCha20-Poly1305 in TLS 1.2 (no RSA key transport, CBC, NULL, export or anonymous suites)`,
    );
  }
  return ids;
}

/**
 * TLS 1.2 suites for SslContext's `cipherList` / `setCipherList`: an OpenSSL cipher string
 * ({@link evaluateCipherString}), or code points taken as they are (an empty array: no TLS 1.2
 * suite); a code point that is not a TLS 1.2 suite typessl implements is an error.
 */
export function parseCipherList(spec: string | readonly number[]): number[] {
  if (typeof spec === 'string') return evaluateCipherString(spec);
  for (const id of spec) {
    if (!TLS12_SUITES.includes(id)) throw new Error(`0x${id.toString(16)} is not a TLS 1.2 suite typessl implements (ECDHE with AEAD only)`);
  }
  return spec.slice();
}

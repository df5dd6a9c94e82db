/**
 * typessl outside Node: browsers, Workers and other runtimes without `node:crypto` (package.json
 * "exports", conditions `browser` and `default`). It installs the portable provider (@noble/* and
 * BigInt RSA) as the default; the API is the same as on Node (`core.ts`).
 */
import { setDefaultCryptoProvider } from './crypto/default.js';
import { portableCrypto } from './crypto/portable.js';

setDefaultCryptoProvider(portableCrypto);

export * from './core.js';

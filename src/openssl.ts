/**
 * `typessl/openssl` on Node: OpenSSL's C API (see `openssl-api.ts`) with the node:crypto
 * provider installed as the default, as the main Node entry point does.
 */
import './index.js';

export * from './openssl-api.js';

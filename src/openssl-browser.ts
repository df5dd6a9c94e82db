/**
 * `typessl/openssl` outside Node (browsers, Workers): OpenSSL's C API (see `openssl-api.ts`) with
 * the portable provider installed as the default, as the browser entry point does.
 */
import './browser.js';

export * from './openssl-api.js';

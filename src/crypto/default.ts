import type { CryptoProvider } from './provider.js';

let current: CryptoProvider | null = null;

/**
 * Sets the provider contexts use when none is given. The Node entry point (`index.ts`) installs
 * the node:crypto provider; the browser/default entry point (`browser.ts`) the portable one. The
 * core never imports a provider itself, so it stays free of `node:` modules. Call this to choose
 * explicitly (for example the portable provider on Node), or pass `provider` per SslContext.
 */
export function setDefaultCryptoProvider(provider: CryptoProvider): void {
  current = provider;
}

/** The default provider; throws a clear error when none was installed. */
export function defaultCryptoProvider(): CryptoProvider {
  if (!current) throw new Error('typessl: no CryptoProvider installed; import "typessl" (its entry points install one) or pass { provider } to SslContext');
  return current;
}

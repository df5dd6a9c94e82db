import type { CryptoProvider } from './provider.js';

let current: CryptoProvider | null = null;

/**
 * Sets the provider contexts use when none is given. The Node entry point installs the
 * node:crypto provider; other runtimes install the portable one. The core never imports a
 * provider itself, so it stays free of `node:` modules.
 */
export function setDefaultCryptoProvider(provider: CryptoProvider): void {
  current = provider;
}

/** The default provider; throws a clear error when none was installed. */
export function defaultCryptoProvider(): CryptoProvider {
  if (!current) throw new Error('typessl: no CryptoProvider installed; import "typessl" (Node) or pass { provider } to SslContext');
  return current;
}

/**
 * typessl: TLS 1.3 in TypeScript with OpenSSL's connection model. This is the Node entry point
 * (package.json "exports", condition `node`): it installs the node:crypto provider as the default.
 * The portable provider stays available (`portableCrypto`) for an explicit choice, per context
 * (`new SslContext({ provider: portableCrypto })`) or process-wide (`setDefaultCryptoProvider`).
 */
import { setDefaultCryptoProvider } from './crypto/default.js';
import { nodeCrypto } from './crypto/node.js';
import { nodeRootSource } from './node/roots.js';
import { setPlatformRootSource } from './x509/anchors.js';

setDefaultCryptoProvider(nodeCrypto);
setPlatformRootSource(nodeRootSource);

export { nodeCrypto } from './crypto/node.js';
export * from './core.js';

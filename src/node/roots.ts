/**
 * Node's root certificates for the trust store: `tls.rootCertificates` (the Mozilla list Node is
 * built with) and the operating system's store, read from the bundle file the distribution keeps
 * (the same list of places Go's crypto/x509 looks at on Linux and the BSDs). Node-only; the Node
 * entry point registers it with `setPlatformRootSource`.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { PlatformRootSource } from '../x509/anchors.js';

/** Bundle files of the usual systems, first readable one wins. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine, macOS, the BSDs
];

export const nodeRootSource: PlatformRootSource = {
  bundled: () => tls.rootCertificates,
  system() {
    // Node 23+ reads the OS store itself; older versions do not, so fall back to the files.
    const fromNode = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
    if (fromNode) return fromNode('system');
    for (const path of SYSTEM_BUNDLES) {
      try {
        return [readFileSync(path, 'utf8')];
      } catch {
        // Try the next place.
      }
    }
    throw new Error(`typessl: no system root certificate bundle found (looked at ${SYSTEM_BUNDLES.join(', ')})`);
  },
};

// TLS client options that accept exactly one server certificate (the first in a PEM, by its SHA-256
// fingerprint), whatever the host name: for a process connecting back to its own server.

import { X509Certificate } from 'node:crypto';
import { type PeerCertificate, rootCertificates } from 'node:tls';

export interface PinnedTlsOptions {
  ca: string[];
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

export function pinnedTlsOptions(certPem: string): PinnedTlsOptions {
  const want = new X509Certificate(certPem).fingerprint256;
  return {
    // The pinned certificate is its own anchor when self-signed; a CA-issued one chains to the usual roots.
    ca: [...rootCertificates, certPem],
    checkServerIdentity: (host, cert) =>
      cert.fingerprint256 === want
        ? undefined
        : new Error(`${host} presented certificate ${cert.fingerprint256}, expected ${want}`),
  };
}

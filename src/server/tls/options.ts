// Which TLS the server speaks. Browsers give the camera only to https:// pages and localhost, so:
// TLS_CERT + TLS_KEY (PEM files) -> HTTPS with them; TRUST_PROXY -> plain HTTP behind a proxy that terminates
// TLS; a loopback HOST -> plain HTTP; any other HOST -> a self-signed certificate kept in TLS_DIR.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isLoopback, isWildcard, machineAddresses } from '../../util/addresses.ts';
import { AppError } from '../../util/errors.ts';
import { createLogger } from '../../util/logger.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';
import { trustedProxiesFromEnv } from '../forwarded.ts';
import { createSelfSigned, type PemPair } from './self-signed.ts';

const log = createLogger('server:tls');
/** Renew a kept certificate this long before it expires. */
const RENEW_BEFORE_MS = 7 * 86400_000;

export interface TlsConfig extends PemPair {
  source: 'files' | 'self-signed';
  /** SHA-256 fingerprint of the certificate (colon-separated hex), what a user compares in the browser. */
  fingerprint: string;
  /** For self-signed: where the pair is kept. */
  dir?: string;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new AppError('BAD_REQUEST', `${what}: cannot read ${path} (${(e as Error).message})`);
  }
}

/** The names a self-signed certificate must cover to be served on `host`. */
function wantedNames(host: string): { dnsNames: string[]; ips: string[] } {
  const ips = new Set(['127.0.0.1', ...machineAddresses({ ipv6: true })]);
  if (!isWildcard(host) && host !== 'localhost') ips.add(host);
  return { dnsNames: ['localhost'], ips: [...ips] };
}

function covers(x509: X509Certificate, names: { dnsNames: string[]; ips: string[] }): boolean {
  return (
    names.ips.every((ip) => x509.checkIP(ip) !== undefined) &&
    names.dnsNames.every((d) => x509.checkHost(d) !== undefined)
  );
}

/** The kept self-signed pair when it still covers this host and is not about to expire; else a new one. */
export function selfSignedFor(host: string, dir: string, now = new Date()): TlsConfig {
  const certPath = join(dir, 'self-signed.cert.pem');
  const keyPath = join(dir, 'self-signed.key.pem');
  const names = wantedNames(host);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const pair = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
    try {
      const x509 = new X509Certificate(pair.cert);
      const fresh = new Date(x509.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
      if (fresh && covers(x509, names))
        return { ...pair, source: 'self-signed', fingerprint: x509.fingerprint256, dir };
      log.info(`kept certificate in ${dir} ${fresh ? 'does not cover this host' : 'expires soon'}; renewing`);
    } catch (e) {
      log.warn(`kept certificate in ${dir} is unreadable; replacing it`, e);
    }
  }
  const pair = createSelfSigned({ ...names, now });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, pair.key, { mode: 0o600 });
  writeFileSync(certPath, pair.cert);
  const fingerprint = new X509Certificate(pair.cert).fingerprint256;
  log.info(`created a self-signed certificate in ${dir} for ${[...names.dnsNames, ...names.ips].join(', ')}`);
  return { ...pair, source: 'self-signed', fingerprint, dir };
}

/** null = plain HTTP. */
export function resolveTls(host: string, env: NodeJS.ProcessEnv = process.env): TlsConfig | null {
  if (env.TLS_CERT || env.TLS_KEY) {
    if (!env.TLS_CERT || !env.TLS_KEY)
      throw new AppError('BAD_REQUEST', 'TLS_CERT and TLS_KEY go together: set both or neither');
    const cert = readPem(env.TLS_CERT, 'TLS_CERT');
    const key = readPem(env.TLS_KEY, 'TLS_KEY');
    let fingerprint: string;
    try {
      fingerprint = new X509Certificate(cert).fingerprint256;
    } catch (e) {
      throw new AppError(
        'BAD_REQUEST',
        `TLS_CERT: ${env.TLS_CERT} is not a PEM certificate (${(e as Error).message})`,
      );
    }
    return { cert, key, source: 'files', fingerprint };
  }
  if (env.TRUST_PROXY) {
    trustedProxiesFromEnv(env); // a bad list stops the start
    return null; // the proxy in front speaks TLS to browsers
  }
  if (isLoopback(host)) return null;
  return selfSignedFor(host, resolve(PROJECT_ROOT, env.TLS_DIR ?? join('.cache', 'tls')));
}

// Behind a reverse proxy that terminates TLS (TRUST_PROXY), the client's address and scheme are the proxy's
// X-Forwarded-For / X-Forwarded-Proto - believed only when the connection comes from a listed proxy, since
// anyone else could write those headers.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AppError } from '../util/errors.ts';

export interface ClientInfo {
  /** The browser's address: the socket's peer, or what trusted proxies forwarded. */
  address: string;
  /** The browser reached us over TLS (directly, or at a trusted proxy). */
  secure: boolean;
}

const plain = (a: string): string => a.replace(/^::ffff:(?=\d+\.)/, '');

/** TRUST_PROXY: comma list of proxy addresses (e.g. `127.0.0.1`); empty = trust no forwarded header. */
export function trustedProxiesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of list) {
    if (!isIP(a)) throw new AppError('BAD_REQUEST', `TRUST_PROXY: "${a}" is not an IP address`);
  }
  return list.map(plain);
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

export function clientInfo(req: IncomingMessage, trusted: string[]): ClientInfo {
  const peer = plain(req.socket.remoteAddress ?? '');
  const direct = { address: peer, secure: (req.socket as TLSSocket).encrypted === true };
  if (!trusted.includes(peer)) return direct;
  // Walk X-Forwarded-For from the right: the first hop that is not one of our proxies is the client.
  const hops = header(req, 'x-forwarded-for')
    .split(',')
    .map((s) => plain(s.trim()))
    .filter(Boolean);
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i];
    if (!trusted.includes(hops[i])) break;
  }
  const proto = header(req, 'x-forwarded-proto').split(',')[0]?.trim().toLowerCase();
  return { address, secure: proto ? proto === 'https' : direct.secure };
}

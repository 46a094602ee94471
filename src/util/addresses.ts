// This machine's addresses, for host candidates and the self-signed certificate's names.
import { networkInterfaces } from 'node:os';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || /^::ffff:127\./.test(host);
}

/** A wildcard listen address: the server answers on every interface. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Non-loopback, non-link-local unicast addresses of the interfaces that are up (IPv4 first). Unlike
 * werift's own list, veth and tun interfaces count: containers and VPNs are how machines meet here. */
export function machineAddresses(opts: { ipv6?: boolean } = {}): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const infos of Object.values(networkInterfaces())) {
    for (const i of infos ?? []) {
      if (i.internal) continue;
      if (i.family === 'IPv4' && !i.address.startsWith('169.254.')) v4.push(i.address);
      else if (i.family === 'IPv6' && opts.ipv6 && !/^fe80:/i.test(i.address)) v6.push(i.address);
    }
  }
  return [...new Set([...v4, ...v6])];
}

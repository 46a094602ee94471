// The keys a limit counts a client under: its address, and the network it most likely controls as a whole (an
// IPv4 /24, an IPv6 /64: one host is commonly given a whole /64, so per-address IPv6 limits alone count nothing).
import { isIPv4, isIPv6 } from 'node:net';

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 it is; other values unchanged. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/** The eight hextets of an IPv6 address (zone dropped), or null when it is not one. */
function hextets(address: string): string[] | null {
  const a = address.replace(/%.*$/, '').toLowerCase();
  if (!isIPv6(a)) return null;
  let text = a;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4.slice(1).map(Number);
    text = `${a.slice(0, v4.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => Number.parseInt(x, 16).toString(16));
}

/** `address` normalized (IPv6 expanded, IPv4-mapped as IPv4): one spelling per host. */
export function addressKey(address: string): string {
  const a = plainAddress(address);
  const h = isIPv4(a) ? null : hextets(a);
  return h ? h.join(':') : a;
}

/** The /24 (IPv4) or /64 (IPv6) the address belongs to; the address itself when it is neither. */
export function networkKey(address: string): string {
  const a = plainAddress(address);
  if (isIPv4(a)) return `${a.slice(0, a.lastIndexOf('.'))}.0/24`;
  const h = hextets(a);
  return h ? `${h.slice(0, 4).join(':')}::/64` : a;
}

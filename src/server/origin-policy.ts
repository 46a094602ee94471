// Which Host and Origin headers the server answers: a page on another site that rebinds its own DNS name to
// 127.0.0.1 reaches this server with its own name in Host (and Origin), so only configured names are served.
// ALLOWED_HOSTS (comma list; an entry without a port matches any port; `*` allows every host) defaults to
// localhost, 127.0.0.1 and [::1] on the served port, plus HOST when it names something else (and, when HOST is
// a wildcard address, this machine's own addresses: an IP literal cannot be rebound). The listen address is
// served in every case (the agents' way back). ALLOWED_ORIGINS (comma list of `scheme://host[:port]`, `*` for
// any) defaults to the allowed hosts over http and https. A request without an Origin (same-origin GET,
// non-browser clients such as the agents) is judged by its Host alone. CAMERA_ORIGINS (default `*`) names the
// pages the extension's camera may run in (a call on meet.google.com opens its socket from there): admitted
// for camera sessions only (signaling refuses them everything else).
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { setting } from '../config.ts';

export interface OriginPolicyOptions {
  /** The served port (a getter: known only after listen when PORT is 0). */
  port: () => number;
  /** The listen address (HOST). */
  host: string;
  /** Default: env ALLOWED_HOSTS. */
  allowedHosts?: string;
  /** Default: env ALLOWED_ORIGINS. */
  allowedOrigins?: string;
  /** Default: env CAMERA_ORIGINS. */
  cameraOrigins?: string;
}

export interface OriginPolicy {
  hostAllowed(req: IncomingMessage): boolean;
  /** Host allowed, and the Origin (when sent) allowed: for the socket.io handshake. */
  originAllowed(req: IncomingMessage): boolean;
  /** Host allowed and the Origin a page the extension's camera may run in (CAMERA_ORIGINS): camera sessions only. */
  cameraPageAllowed(req: IncomingMessage): boolean;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** `name` or `name:port`, lowercased, IPv6 in brackets; null when it is not a host. */
function parseHost(value: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!m) return null;
  return { name: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] ? Number(m[2]) : null };
}

const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((a) => a ?? [])
    .map((a) => bracket(a.address.replace(/%.*$/, '')));
}

export function createOriginPolicy(opts: OriginPolicyOptions): OriginPolicy {
  const hostsEnv = list(opts.allowedHosts ?? setting('ALLOWED_HOSTS').join(','));
  const originsEnv = list(opts.allowedOrigins ?? setting('ALLOWED_ORIGINS').join(','));
  const anyHost = hostsEnv.includes('*');
  const anyOrigin = originsEnv.includes('*');
  const cameraEnv = list(opts.cameraOrigins ?? setting('CAMERA_ORIGINS').join(','));
  const anyCameraPage = cameraEnv.includes('*');
  const listen = bracket(opts.host.toLowerCase());

  // Entries with port null match any port; the defaults hold the served port (read at each request).
  // The listen address is always served: the agents connect back to it (and an IP literal cannot be rebound).
  const hosts = (): Array<{ name: string; port: number | null }> => {
    const own = { name: listen, port: opts.port() };
    if (hostsEnv.length > 0) return [own, ...hostsEnv.flatMap((h) => parseHost(h) ?? [])];
    const names = new Set(LOOPBACK);
    if (WILDCARD.has(listen)) for (const a of machineAddresses()) names.add(a.toLowerCase());
    return [own, ...[...names].map((name) => ({ name, port: opts.port() }))];
  };

  const hostOk = (value: string | undefined, defaultPort: number): boolean => {
    if (anyHost) return true;
    const h = value ? parseHost(value) : null;
    if (!h) return false;
    const port = h.port ?? defaultPort;
    return hosts().some((a) => a.name === h.name && (a.port === null || a.port === port));
  };

  const originOk = (origin: string): boolean => {
    if (anyOrigin) return true;
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file:) and garbage
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    if (originsEnv.length > 0) return originsEnv.some((o) => sameOrigin(o, u));
    return hostOk(u.host, u.protocol === 'https:' ? 443 : 80);
  };

  return {
    hostAllowed: (req) => hostOk(req.headers.host, 80),
    cameraPageAllowed(req) {
      const origin = req.headers.origin;
      if (!hostOk(req.headers.host, 80) || origin === undefined) return false;
      let u: URL;
      try {
        u = new URL(origin);
      } catch {
        return false;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
      return anyCameraPage || cameraEnv.some((o) => sameOrigin(o, u));
    },
    originAllowed(req) {
      if (!hostOk(req.headers.host, 80)) return false;
      const origin = req.headers.origin;
      return origin === undefined || originOk(origin);
    },
  };
}

function sameOrigin(entry: string, u: URL): boolean {
  try {
    return new URL(entry).origin === u.origin;
  } catch {
    return false;
  }
}

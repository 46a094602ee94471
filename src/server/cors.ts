// Cross-origin calls to the HTTP API from the extension: its popup and background run at
// chrome-extension://<id>, another origin than the server's. EXTENSION_ORIGINS (the user's choice; by default
// the gazecam extension's fixed id) get CORS answers, and Chromium's Private Network Access preflight (a page
// or extension reaching a loopback or LAN server sends `Access-Control-Request-Private-Network: true`) is
// answered with `Access-Control-Allow-Private-Network: true`. Other origins get no CORS headers (the browser
// hides the answer from them) and a refused preflight; same-origin and non-browser callers are unaffected.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setting } from '../config.ts';
import { AppError } from '../util/errors.ts';

const ALLOW_METHODS = 'GET, POST, DELETE';
const ALLOW_HEADERS = 'content-type, x-gazecam-owner';
const MAX_AGE_S = '600';

export interface Cors {
  /** Adds CORS headers for an allowed Origin; answers a preflight itself (true: answered). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** `scheme://host[:port]` lowercased; null when it is not an origin. */
function normalize(origin: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/\s]+)$/i.exec(origin.trim().replace(/\/$/, ''));
  return m ? `${m[1]}://${m[2]}`.toLowerCase() : null;
}

export function createCors(origins: string[] = setting('EXTENSION_ORIGINS')): Cors {
  const any = origins.includes('*');
  const allowed = new Set(origins.flatMap((o) => normalize(o) ?? []));
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined) return false;
      res.setHeader('vary', 'origin');
      const ok = origin !== 'null' && (any || allowed.has(normalize(origin) ?? ''));
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (!ok) {
        if (preflight)
          throw new AppError('FORBIDDEN', `origin ${origin} may not call this API (EXTENSION_ORIGINS)`);
        return false;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'retry-after');
      if (!preflight) return false;
      const headers: Record<string, string> = {
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': MAX_AGE_S,
        'content-length': '0',
      };
      if (req.headers['access-control-request-private-network'] === 'true')
        headers['access-control-allow-private-network'] = 'true';
      res.writeHead(204, headers);
      res.end();
      return true;
    },
  };
}

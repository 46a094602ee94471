// Static files of the web client, from one directory, with no path escaping it.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { decodePath, rawPath } from './request-path.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/**
 * Serves `root`; client-side routes (no extension, e.g. /r/<room>) get index.html. Returns false if not found;
 * throws BAD_REQUEST for a path that does not decode.
 */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): boolean {
  const base = resolve(root);
  const urlPath = decodePath(rawPath(req));
  let file = normalize(join(base, urlPath));
  if (file !== base && !file.startsWith(base + sep)) return false;
  let st = statSafe(file);
  if (st?.isDirectory()) {
    file = join(file, 'index.html');
    st = statSafe(file);
  }
  if (!st && extname(urlPath) === '') {
    file = join(base, 'index.html');
    st = statSafe(file);
  }
  if (!st?.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  // A file that goes away mid-read ends this response only (pipeline handles the stream's error).
  else pipeline(createReadStream(file), res, () => undefined);
  return true;
}

function statSafe(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

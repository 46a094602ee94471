// The decoded path of a request, or a BAD_REQUEST: malformed percent-escapes, NUL bytes and odd request
// targets are the client's error, never an exception that reaches the process.
import type { IncomingMessage } from 'node:http';
import { AppError } from '../util/errors.ts';

/** The raw path of the request target (no query), as sent: origin-form, or absolute-form through a proxy. */
export function rawPath(req: IncomingMessage): string {
  const target = req.url ?? '/';
  let path: string;
  if (target.startsWith('/')) path = target;
  else if (/^https?:\/\//i.test(target)) {
    try {
      path = new URL(target).pathname;
    } catch {
      throw new AppError('BAD_REQUEST', 'malformed request target');
    }
  } else throw new AppError('BAD_REQUEST', 'malformed request target');
  const end = path.search(/[?#]/);
  return end >= 0 ? path.slice(0, end) : path;
}

/** One percent-decoded path segment (or whole path); BAD_REQUEST when it does not decode or holds NUL. */
export function decodePath(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw new AppError('BAD_REQUEST', 'malformed percent-encoding in the path');
  }
  if (s.includes('\0')) throw new AppError('BAD_REQUEST', 'NUL byte in the path');
  return s;
}

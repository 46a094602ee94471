// JSON answers of the HTTP layer, and the guard every route runs under: whatever a handler throws or rejects
// with becomes `{ ok: false, error: { code, message } }` with a status; no request can end the process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, toAppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';

const log = createLogger('server:respond');

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  QUOTA_EXCEEDED: 403,
  NOT_FOUND: 404,
  HOST_NOT_ALLOWED: 421,
  PAYLOAD_TOO_LARGE: 413,
  IMAGE_TOO_LARGE: 413,
  IMAGE_INVALID: 422,
  NO_FACE: 422,
  MULTIPLE_FACES: 422,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  BUSY: 503,
  MODEL_MISSING: 503,
  MODEL_INVALID: 503,
  CLOSED: 503,
};

export const httpStatus = (code: ErrorCode): number => STATUS[code] ?? 500;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Answers any thrown value as a coded error (or cuts the connection when an answer has already started). */
export function sendError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  const err = toAppError(e);
  if (err.code === 'INTERNAL') log.error(`${req.method} ${req.url} failed`, e);
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retry = err.details?.retryAfterS;
  if (typeof retry === 'number') headers['retry-after'] = String(retry);
  // A body we will not read: close the connection after the answer rather than drain it.
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.complete) headers.connection = 'close';
  // Unknown failures say nothing of the internals.
  const body = err.code === 'INTERNAL' ? { code: err.code, message: 'internal error' } : err.toJSON();
  sendJson(res, httpStatus(err.code), { ok: false, error: body }, headers);
}

/** Runs a route; a synchronous throw or a rejected promise is answered by sendError. */
export function guard(req: IncomingMessage, res: ServerResponse, handler: () => void | Promise<void>): void {
  try {
    const p = handler();
    if (p) p.catch((e) => sendError(req, res, e));
  } catch (e) {
    sendError(req, res, e);
  }
}

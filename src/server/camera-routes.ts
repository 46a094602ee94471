// POST /api/camera-sessions (x-gazecam-owner: the identity owner token) -> 201 { ok, ticket, expiresInS }: a
// ticket for a private camera session (src/signaling/camera-session.ts). The extension's background asks for
// one each time a page opens the gazecam camera and hands the page only the ticket, never the owner token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CameraSessions } from '../signaling/camera-session.ts';
import { AppError } from '../util/errors.ts';
import { OWNER_HEADER, OWNER_RE } from './identities/routes.ts';
import { rawPath } from './request-path.ts';
import { sendJson } from './respond.ts';

export const CAMERA_API = '/api/camera-sessions';

/** Answers the route (true) or leaves the request to others (false); failures throw coded errors. */
export function handleCameraRoute(
  req: IncomingMessage,
  res: ServerResponse,
  sessions: CameraSessions,
): boolean {
  if (rawPath(req) !== CAMERA_API) return false;
  if (req.method !== 'POST') throw new AppError('BAD_REQUEST', `${req.method} ${CAMERA_API}: POST only`);
  const owner = req.headers[OWNER_HEADER];
  if (typeof owner !== 'string' || !OWNER_RE.test(owner))
    throw new AppError('FORBIDDEN', `${OWNER_HEADER}: missing or malformed owner token`);
  sendJson(res, 201, { ok: true, ...sessions.issue(owner) }, { 'cache-control': 'no-store' });
  return true;
}

// Short-lived TURN credentials per participant, in the REST-API scheme coturn checks with `use-auth-secret`:
// username `<expiry unix seconds>:<participant id>`, credential base64(HMAC-SHA1(secret, username)). The secret
// never leaves the server; a leaked credential dies at its expiry. Also the ICE transport policy clients use
// (ICE_TRANSPORT_POLICY=relay forces every browser connection through TURN).
import { createHmac } from 'node:crypto';
import { AppError } from '../util/errors.ts';
import type { IceServer, IceTransportPolicy } from './protocol.ts';

export const DEFAULT_TURN_TTL_S = 3600;

export interface TurnSettings {
  /** turn:/turns: URLs of one TURN service sharing `secret` (coturn's static-auth-secret). */
  urls: string[];
  secret: string;
  /** Lifetime of a credential, seconds. */
  ttlS: number;
}

export interface IceConfig {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

/** TURN_URLS (comma list) + TURN_SECRET [+ TURN_TTL_S]; null when TURN is not configured. */
export function turnSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TurnSettings | null {
  const urls = (env.TURN_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const secret = env.TURN_SECRET ?? '';
  if (urls.length === 0 && !secret) return null;
  if (urls.length === 0 || !secret)
    throw new AppError('BAD_REQUEST', 'TURN_URLS and TURN_SECRET go together: set both or neither');
  for (const u of urls) {
    if (!/^turns?:[^\s]+$/.test(u)) throw new AppError('BAD_REQUEST', `TURN_URLS: "${u}" is not a turn: URL`);
  }
  const ttlS = env.TURN_TTL_S === undefined ? DEFAULT_TURN_TTL_S : Number(env.TURN_TTL_S);
  if (!Number.isInteger(ttlS) || ttlS < 60 || ttlS > 7 * 86400)
    throw new AppError('BAD_REQUEST', `TURN_TTL_S: ${env.TURN_TTL_S} is not a whole number of 60..604800 s`);
  return { urls, secret, ttlS };
}

/** ICE_TRANSPORT_POLICY: `all` (default) or `relay`. */
export function icePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): IceTransportPolicy {
  const p = env.ICE_TRANSPORT_POLICY ?? 'all';
  if (p !== 'all' && p !== 'relay')
    throw new AppError('BAD_REQUEST', `ICE_TRANSPORT_POLICY: "${p}" is not all or relay`);
  return p;
}

/** The credential coturn derives for `username` from the shared secret. */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

export function turnCredentials(
  settings: TurnSettings,
  participantId: string,
  nowMs = Date.now(),
): IceServer {
  const expiry = Math.floor(nowMs / 1000) + settings.ttlS;
  const username = `${expiry}:${participantId}`;
  return { urls: settings.urls, username, credential: turnPassword(settings.secret, username) };
}

/** What a joining participant's connections use: TURN (when configured) and the transport policy. Read per
 * join from the environment; startApp calls it once at start so a bad value stops the server there. */
export function iceConfigFor(participantId: string, env: NodeJS.ProcessEnv = process.env): IceConfig {
  const turn = turnSettingsFromEnv(env);
  const iceTransportPolicy = icePolicyFromEnv(env);
  if (iceTransportPolicy === 'relay' && !turn)
    throw new AppError('BAD_REQUEST', 'ICE_TRANSPORT_POLICY=relay needs TURN_URLS and TURN_SECRET');
  return { iceServers: turn ? [turnCredentials(turn, participantId)] : [], iceTransportPolicy };
}

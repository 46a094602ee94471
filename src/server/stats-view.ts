// What /stats shows: everything to an operator who sends `authorization: Bearer <STATS_TOKEN>`, and to anyone
// else the same figures with every secret-bearing field removed (identity ids, which select a face to wear;
// owner tokens; passcodes; agent tokens), those values and anything shaped like an identity id (a full UUID;
// participant ids are shorter) masked wherever they appear inside a string.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setting } from '../config.ts';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const SECRET_KEYS = new Set(['identityid', 'passcode', 'owner', 'ownertoken', 'token', 'agenttoken']);

export interface StatsView {
  /** The stats as this request may see them (plus `redacted: true` when fields were removed). */
  render(req: IncomingMessage, stats: Record<string, unknown>): Record<string, unknown>;
}

export function createStatsView(token = setting('STATS_TOKEN') ?? ''): StatsView {
  const expected = Buffer.from(`Bearer ${token}`);
  const isOperator = (req: IncomingMessage) => {
    if (!token) return false;
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  return {
    render(req, stats) {
      if (isOperator(req)) return stats;
      const secrets = new Set<string>();
      collect(stats, secrets);
      return { ...(redact(stats, secrets) as Record<string, unknown>), redacted: true };
    },
  };
}

function collect(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEYS.has(k.toLowerCase()) && typeof x === 'string' && x.length >= 4) out.add(x);
      else collect(x, out);
    }
  }
}

function redact(v: unknown, secrets: Set<string>): unknown {
  if (typeof v === 'string') {
    let s = v;
    for (const secret of secrets) s = s.split(secret).join('[redacted]');
    return s.replace(UUID_RE, '[redacted]');
  }
  if (Array.isArray(v)) return v.map((x) => redact(x, secrets));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (!SECRET_KEYS.has(k.toLowerCase())) out[k] = redact(x, secrets);
    }
    return out;
  }
  return v;
}

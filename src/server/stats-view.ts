// What /stats shows. To an operator who sends `authorization: Bearer <STATS_TOKEN>`: everything, with every
// secret-bearing field still removed (identity ids, which select a face to wear; owner tokens; passcodes; agent
// tokens), those values and anything shaped like an identity id (a full UUID) masked inside strings. To anyone
// else: counts and health only - nothing that names or locates a call (no room names, participant ids, display
// names, worker or job ids), since a room name is all a listener needs to find a room without a passcode.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { setting } from '../config.ts';

const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const SECRET_KEYS = new Set(['identityid', 'passcode', 'owner', 'ownertoken', 'token', 'agenttoken']);

/** The full stats as the server assembles them (app.ts); every part optional. */
export interface FullStats {
  rooms?: Array<{ participants: unknown[]; viewers?: unknown[]; peers: number }>;
  peers?: number;
  agents?: Array<{ state: string }>;
  workers?: Array<{ capacity: number; running: number }>;
  agentJobs?: unknown[];
  eventLoopLagMs?: unknown;
}

/** What anyone may see: counts and health. */
export interface StatsCounts {
  ok: true;
  redacted: true;
  rooms: number;
  participants: number;
  viewers: number;
  peers: number;
  agents: { total: number; byState: Record<string, number> };
  workers: { count: number; capacity: number; running: number } | null;
  agentJobs: number | null;
  eventLoopLagMs: unknown;
}

export interface StatsView {
  isOperator(req: IncomingMessage): boolean;
  /** The stats as this request may see them. */
  render(req: IncomingMessage, stats: FullStats): object;
}

export function createStatsView(token = setting('STATS_TOKEN') ?? ''): StatsView {
  const expected = Buffer.from(`Bearer ${token}`);
  const isOperator = (req: IncomingMessage) => {
    if (!token) return false;
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  return {
    isOperator,
    render(req, stats) {
      if (!isOperator(req)) return countsOf(stats);
      const secrets = new Set<string>();
      collect(stats, secrets);
      return redact(stats, secrets) as object;
    },
  };
}

export function countsOf(s: FullStats): StatsCounts {
  const rooms = s.rooms ?? [];
  const byState: Record<string, number> = {};
  for (const a of s.agents ?? []) byState[a.state] = (byState[a.state] ?? 0) + 1;
  return {
    ok: true,
    redacted: true,
    rooms: rooms.length,
    participants: rooms.reduce((n, r) => n + r.participants.length, 0),
    viewers: rooms.reduce((n, r) => n + (r.viewers?.length ?? 0), 0),
    peers: s.peers ?? 0,
    agents: { total: s.agents?.length ?? 0, byState },
    workers: s.workers
      ? {
          count: s.workers.length,
          capacity: s.workers.reduce((n, w) => n + w.capacity, 0),
          running: s.workers.reduce((n, w) => n + w.running, 0),
        }
      : null,
    agentJobs: s.agentJobs ? s.agentJobs.length : null,
    eventLoopLagMs: s.eventLoopLagMs,
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

// Every bad message gets a coded ack (or a coded server:error push without an ack); the server keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/app.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import {
  type Ack,
  MAX_PAYLOAD_BYTES,
  RATE_LIMIT_BURST,
  type ServerErrorPush,
} from '../../src/signaling/protocol.ts';
import { startTestServer } from '../media/helpers.ts';

let app: App;
const clients: HeadlessClient[] = [];
async function client(): Promise<HeadlessClient> {
  const c = await HeadlessClient.connect(app.url);
  clients.push(c);
  return c;
}
async function raw(c: HeadlessClient, event: string, payload?: unknown): Promise<Ack> {
  return (await c.socket.timeout(5000).emitWithAck(event, payload)) as Ack;
}
function code(res: Ack): string | undefined {
  return res.ok ? undefined : res.error.code;
}

beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await app.close();
});

describe('signaling validation', () => {
  it('rejects unknown events, bad payloads and requests before join with codes', async () => {
    const c = await client();
    expect(code(await raw(c, 'no-such-event', {}))).toBe('UNKNOWN_EVENT');
    expect(code(await raw(c, 'settings', { mode: 'avatar' }))).toBe('NOT_JOINED');
    expect(code(await raw(c, 'join', { room: 'bad room!', displayName: 'x' }))).toBe('BAD_REQUEST');
    expect(code(await raw(c, 'join', { room: 'ok' }))).toBe('BAD_REQUEST');
    expect(code(await raw(c, 'join', 'not an object'))).toBe('BAD_REQUEST');
    const ok = await raw(c, 'join', { room: 'v1', displayName: 'Val' });
    expect(ok.ok).toBe(true);
    expect(code(await raw(c, 'join', { room: 'v1', displayName: 'Again' }))).toBe('ALREADY_JOINED');
    expect(code(await raw(c, 'settings', { mode: 'sideways' }))).toBe('BAD_REQUEST');
    expect(code(await raw(c, 'publish:offer', { offer: { type: 'offer', sdp: 'garbage' } }))).toBe(
      'BAD_REQUEST',
    );
    // Without an agent launcher the server says so rather than pretending.
    expect(code(await raw(c, 'settings', { mode: 'eyes' }))).toBe('AGENT_UNAVAILABLE');
    expect(
      code(await raw(c, 'agent:report', { participantId: 'x', state: 'ok', fps: 1, drops: 0, ms: 1 })),
    ).toBe('FORBIDDEN');
    // Sketches come from agents only, and are small base64 JPEGs.
    const sketch = { participantId: 'x', jpeg: '/9j/4AAQ', width: 192, height: 192 };
    expect(code(await raw(c, 'agent:sketch', sketch))).toBe('FORBIDDEN');
    expect(code(await raw(c, 'agent:sketch', { ...sketch, jpeg: 'not base64!' }))).toBe('BAD_REQUEST');
    expect(code(await raw(c, 'agent:sketch', { ...sketch, width: 4096 }))).toBe('BAD_REQUEST');
    expect(code(await raw(c, 'agent:sketch', { ...sketch, jpeg: 'A'.repeat(50_000) }))).toBe('BAD_REQUEST');
    // Still in the room and answering.
    const s = await raw(c, 'settings', { mode: 'none', identityId: null });
    expect(s).toEqual({ ok: true, settings: { mode: 'none', identityId: null, debugSketch: false } });
  });

  it('answers an unknown event without an ack with a server:error push', async () => {
    const c = await client();
    const pushed = new Promise<ServerErrorPush>((resolve) => c.on('servererror', resolve));
    c.socket.emit('mystery', { a: 1 });
    const e = await pushed;
    expect(e.code).toBe('UNKNOWN_EVENT');
    expect(e.event).toBe('mystery');
  });

  it('limits payload size', async () => {
    const c = await client();
    const big = { room: 'v2', displayName: 'x', passcode: 'p'.repeat(MAX_PAYLOAD_BYTES + 10) };
    expect(code(await raw(c, 'join', big))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rate-limits a flood from one socket', async () => {
    const c = await client();
    const results = await Promise.all(
      Array.from({ length: RATE_LIMIT_BURST + 20 }, () => raw(c, 'settings', { mode: 'none' })),
    );
    const codes = results.map(code);
    expect(codes).toContain('RATE_LIMITED');
    expect(codes).toContain('NOT_JOINED'); // the first ones were processed normally
  });

  it('enforces the room passcode and agent credentials', async () => {
    const owner = await client();
    expect((await raw(owner, 'join', { room: 'locked', displayName: 'Owner', passcode: 's3cret' })).ok).toBe(
      true,
    );
    const intruder = await client();
    expect(code(await raw(intruder, 'join', { room: 'locked', displayName: 'Eve' }))).toBe('FORBIDDEN');
    expect(code(await raw(intruder, 'join', { room: 'locked', displayName: 'Eve', passcode: 'nope' }))).toBe(
      'FORBIDDEN',
    );
    const fakeAgent = {
      room: 'locked',
      displayName: 'agent',
      agent: { token: 'guess', forParticipantId: 'x' },
    };
    expect(code(await raw(intruder, 'join', fakeAgent))).toBe('FORBIDDEN');
    expect((await raw(intruder, 'join', { room: 'locked', displayName: 'Bob', passcode: 's3cret' })).ok).toBe(
      true,
    );
  });

  it('serves /healthz and /stats', async () => {
    const h = await fetch(`${app.url}/healthz`);
    expect(h.status).toBe(200);
    const body = await (await fetch(`${app.url}/stats`)).text();
    const stats = JSON.parse(body) as {
      rooms: number;
      peers: number;
      eventLoopLagMs: { p50: number; p99: number; max: number };
    };
    // Without the operator token: counts only, no room names (test/server/stats-view.test.ts).
    expect(stats.rooms).toBeGreaterThan(0);
    expect(body).not.toContain('locked');
    expect(stats.peers).toBeGreaterThan(0);
    // The SFU's loop delay for operators (0 until the first 5 s window closes).
    expect(stats.eventLoopLagMs.p99).toBeGreaterThanOrEqual(stats.eventLoopLagMs.p50);
    expect(stats.eventLoopLagMs.max).toBeGreaterThanOrEqual(stats.eventLoopLagMs.p99);
    const missing = await fetch(`${app.url}/nope.js`);
    expect(missing.status).toBe(404);
  });
});

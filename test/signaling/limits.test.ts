// Limits and privacy over real sockets: the agent cap (coded refusals, nothing launched; only users whose camera
// sends video hold a place, and starting agents costs each participant), identities only for
// their owner and never broadcast, passcode guessing limited per address (fresh sockets do not help), and the
// shutdown notice before the sockets close. The launcher is in-memory: these tests count launches, not
// processes (test/agent/agent-failover.test.ts runs real ones).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeadlessCamera } from '../../src/probe/camera.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { IdentityStore } from '../../src/server/identities/store.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { Ack } from '../../src/signaling/protocol.ts';
import { until } from '../media/helpers.ts';
import { publishCamera } from './camera.ts';
import { FakeLauncher } from './fakes.ts';

let app: App;
let dir: string;
const launcher = new FakeLauncher();
const clients: HeadlessClient[] = [];
const cameras: HeadlessCamera[] = [];

async function client(owner?: string): Promise<HeadlessClient> {
  const c = await HeadlessClient.connect(app.url, { owner });
  clients.push(c);
  return c;
}
async function raw(c: HeadlessClient, event: string, payload?: unknown): Promise<Ack> {
  return (await c.socket.timeout(5000).emitWithAck(event, payload)) as Ack;
}
const code = (res: Ack) => (res.ok ? undefined : res.error.code);
const pidOf = (res: Ack) => (res as { participantId?: string }).participantId ?? '';
/** Joins `room` and publishes a live camera (only users whose camera sends video hold an agent). */
async function joinWithCamera(c: HeadlessClient, room: string, displayName: string): Promise<void> {
  const res = await raw(c, 'join', { room, displayName });
  expect(res.ok).toBe(true);
  cameras.push(await publishCamera(app, c, room, pidOf(res)));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazecam-limits-'));
  // The first back-off lasts a minute: a loaded machine cannot outwait it between two guesses.
  app = await startApp({
    port: 0,
    host: '127.0.0.1',
    launcher,
    identityDir: dir,
    passcodes: { baseMs: 60_000 },
  });
});
afterAll(async () => {
  for (const c of cameras) c.stop();
  for (const c of clients) c.close();
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('signaling limits', () => {
  it('caps agents per server: requests beyond AGENT_MAX get AGENT_LIMIT and launch nothing', async () => {
    const max = app.signaling.agents.maxAgents;
    const answers: Ack[] = [];
    for (let i = 0; i < max + 3; i++) {
      const c = await client();
      await joinWithCamera(c, 'cap', `u${i}`);
      answers.push(await raw(c, 'settings', { mode: i % 2 ? 'eyes' : 'avatar' }));
    }
    expect(answers.filter((a) => a.ok)).toHaveLength(max);
    expect(answers.slice(max).map(code)).toEqual(['AGENT_LIMIT', 'AGENT_LIMIT', 'AGENT_LIMIT']);
    expect(launcher.launched).toHaveLength(max);
    // The refused participant's settings stay as they were; a second request for the same one launches nothing.
    const last = clients.at(-1) as HeadlessClient;
    expect(code(await raw(last, 'settings', { mode: 'eyes' }))).toBe('AGENT_LIMIT');
    expect(launcher.launched).toHaveLength(max);
    const first = clients[0];
    expect((await raw(first, 'settings', { mode: 'both' })).ok).toBe(true);
    expect(launcher.launched).toHaveLength(max);
    for (const c of cameras.splice(0)) c.stop();
    for (const c of clients.splice(0)) c.close();
    for (const h of launcher.running()) h.exit(0);
  });

  it('a user with a camera gets an agent while four cameraless sockets ask for one', async () => {
    const max = app.signaling.agents.maxAgents;
    const before = launcher.launched.length;
    for (let i = 0; i < Math.max(4, max); i++) {
      const c = await client();
      expect((await raw(c, 'join', { room: 'nocam', displayName: `q${i}` })).ok).toBe(true);
      // Accepted (the agent starts with the camera), holding no place meanwhile.
      expect((await raw(c, 'settings', { mode: 'eyes' })).ok).toBe(true);
    }
    expect(launcher.launched.length).toBe(before);
    expect(app.signaling.agents.size).toBe(0);
    const user = await client();
    await joinWithCamera(user, 'nocam', 'with camera');
    expect((await raw(user, 'settings', { mode: 'avatar' })).ok).toBe(true);
    expect(launcher.launched.length).toBe(before + 1);
    expect(launcher.launched.at(-1)?.options.settings.mode).toBe('avatar');
    for (const c of cameras.splice(0)) c.stop();
    for (const c of clients.splice(0)) c.close();
    for (const h of launcher.running()) h.exit(0);
  });

  it('toggling eye contact every 50 ms for 2 s starts at most a few agents', async () => {
    const c = await client();
    await joinWithCamera(c, 'toggle', 'toggler');
    const before = launcher.launched.length;
    const acks: Ack[] = [];
    for (let i = 0; i < 40; i++) {
      acks.push(await raw(c, 'settings', { mode: i % 2 ? 'none' : 'eyes' }));
      // The agent's process exits at once when released (the in-memory launcher does not by itself).
      if (i % 2) for (const h of launcher.running()) h.exit(0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(acks.every((a) => a.ok)).toBe(true);
    const started = launcher.launched.length - before;
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThanOrEqual(3);
    for (const cam of cameras.splice(0)) cam.stop();
    for (const x of clients.splice(0)) x.close();
    for (const h of launcher.running()) h.exit(0);
  });

  it('only the owner may wear an identity; rooms never see identity ids', async () => {
    const store = new IdentityStore(dir);
    const photo = {
      width: 8,
      height: 8,
      box: { x: 0, y: 0, width: 8, height: 8 },
      jpeg: new Uint8Array([1]),
    };
    const alice = await store.create('alice-token', 'Alice', [photo]);
    const launchedBefore = launcher.launched.length;
    for (const h of launcher.running()) h.exit(0); // free the cap from the previous test

    const a = await client('alice-token');
    const m = await client('mallory-token');
    const anon = await client();
    const seen: string[] = [];
    m.socket.onAny((event: string, payload: unknown) => seen.push(`${event} ${JSON.stringify(payload)}`));
    await joinWithCamera(a, 'faces', 'Alice');
    const mj = await raw(m, 'join', { room: 'faces', displayName: 'Mallory' });
    expect((await raw(anon, 'join', { room: 'faces', displayName: 'Anon' })).ok).toBe(true);

    expect(code(await raw(m, 'settings', { mode: 'avatar', identityId: alice.id }))).toBe(
      'IDENTITY_NOT_FOUND',
    );
    expect(code(await raw(anon, 'settings', { mode: 'both', identityId: alice.id }))).toBe(
      'IDENTITY_NOT_FOUND',
    );
    expect(code(await raw(m, 'settings', { mode: 'avatar', identityId: 'no-such-identity' }))).toBe(
      'IDENTITY_NOT_FOUND',
    );
    expect(launcher.launched.length).toBe(launchedBefore);

    const ok = await raw(a, 'settings', { mode: 'avatar', identityId: alice.id });
    expect(ok.ok).toBe(true);
    expect(launcher.launched.length).toBe(launchedBefore + 1);
    expect(launcher.launched.at(-1)?.options.settings.identityId).toBe(alice.id);
    await raw(a, 'settings', { mode: 'both' }); // identity unchanged: no new check needed
    // Let the pushes arrive: a round trip on Mallory's socket orders them before its ack.
    await raw(m, 'subscribe', { participantIds: 'all' });
    expect(JSON.stringify(mj)).not.toContain(alice.id);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.join('\n')).not.toContain(alice.id);
    expect(JSON.stringify(app.signaling.stats())).not.toContain(alice.id);
    for (const c of [a, m, anon]) c.close();
  });

  it('limits wrong passcodes per address, not per socket: fresh sockets meet the back-off', async () => {
    const owner = await client();
    expect(
      (await raw(owner, 'join', { room: 'locked', displayName: 'Owner', passcode: 'right-one' })).ok,
    ).toBe(true);
    const codes: string[] = [];
    let retryAfterMs = 0;
    for (let i = 0; i < 30; i++) {
      const c = await client();
      const res = await raw(c, 'join', { room: 'locked', displayName: `g${i}`, passcode: `guess-${i}` });
      codes.push(code(res) ?? 'ok');
      if (!res.ok && res.error.retryAfterMs) retryAfterMs = res.error.retryAfterMs;
      c.close();
    }
    // A few honest mistakes are checked, the rest refused unchecked.
    expect(codes.filter((c) => c === 'FORBIDDEN')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(25);
    expect(retryAfterMs).toBeGreaterThan(0);
    // While waiting, even the right passcode is refused (else waiting would not slow guessing).
    const late = await client();
    expect(
      code(await raw(late, 'join', { room: 'locked', displayName: 'Late', passcode: 'right-one' })),
    ).toBe('RATE_LIMITED');
    // Rooms without a passcode are not affected.
    expect((await raw(late, 'join', { room: 'open', displayName: 'Late' })).ok).toBe(true);
  });

  it('tells clients the server is restarting before their sockets close', async () => {
    const local = await startApp({ port: 0, host: '127.0.0.1' });
    const c = await HeadlessClient.connect(local.url);
    await c.join({ room: 'bye', displayName: 'C' });
    const order: string[] = [];
    c.on('shutdown', (m) => order.push(`shutdown:${m.reason}`));
    c.on('disconnect', () => order.push('disconnect'));
    await local.close();
    await until(() => order.includes('disconnect'), 'the socket to close');
    c.close();
    expect(order).toEqual(['shutdown:restarting', 'disconnect']);
  });
});

// Camera sessions (the extension's camera, `npm run vcam`): tickets, the private room nobody can join, the
// camera/viewer pair through the real SFU and a real agent process (the marker processor), the ticket owner's
// identities, camera-page origins that may do nothing else, and the room closing with its members.
import { resolve } from 'node:path';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import { CameraSessions, MAX_SESSIONS_PER_OWNER, TICKET_TTL_MS } from '../../src/signaling/camera-session.ts';
import { cameraSource } from '../../src/signaling/camera-source.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { stampHeight } from '../../src/video/stamp.ts';
import { MARKER_LUMA } from '../agent/marker-processor.ts';
import { useAgentRig } from '../agent/rig.ts';
import { until, videoBecomes } from '../media/helpers.ts';

const OWNER = 'camera-test-owner-0123456789';
// A cold agent process takes far longer than the default 30 s to start on a loaded two-core machine.
process.env.AGENT_START_TIMEOUT_MS ??= '150000';

describe('CameraSessions (tickets)', () => {
  it('a ticket opens each role once, expires unopened, and is spent when its room closes', () => {
    let now = 1000;
    const s = new CameraSessions(() => now);
    const { ticket, expiresInS } = s.issue(OWNER);
    expect(expiresInS).toBe(TICKET_TTL_MS / 1000);
    const cam = s.redeem(ticket, 'camera');
    expect(cam.owner).toBe(OWNER);
    expect(s.isPrivate(cam.room)).toBe(true);
    expect(() => s.redeem(ticket, 'camera')).toThrow(expect.objectContaining({ code: 'ALREADY_JOINED' }));
    expect(s.redeem(ticket, 'viewer').room).toBe(cam.room);
    expect(() => s.redeem('x'.repeat(32), 'camera')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    // An opened session outlives the ticket's TTL; an unopened one does not.
    const late = s.issue(OWNER);
    now += TICKET_TTL_MS + 1;
    expect(() => s.redeem(late.ticket, 'camera')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(s.isPrivate(cam.room)).toBe(true);
    s.roomClosed(cam.room);
    expect(s.isPrivate(cam.room)).toBe(false);
    expect(s.size).toBe(0);
  });

  it('caps the sessions of one owner (RATE_LIMITED), not of others', () => {
    const s = new CameraSessions();
    for (let i = 0; i < MAX_SESSIONS_PER_OWNER; i++) s.issue(OWNER);
    expect(() => s.issue(OWNER)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(s.issue('another-owner-0123456789').ticket).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('cameraSource (what the camera shows)', () => {
  const processed = { mode: 'avatar' as const, video: 'processed' as const };
  it('avatar: the processed video only while an avatar is routed and flowing; never the camera', () => {
    expect(cameraSource('avatar', processed, true)).toBe('processed');
    expect(cameraSource('avatar', processed, false)).toBe('placeholder');
    expect(cameraSource('avatar', { mode: 'avatar', video: 'held' }, true)).toBe('placeholder');
    // Just switched on: the server still serves eye contact (the user's own face).
    expect(cameraSource('both', { mode: 'eyes', video: 'processed' }, true)).toBe('placeholder');
    expect(cameraSource('avatar', null, false)).toBe('placeholder');
  });
  it('eye contact falls back to the camera; no effect is the camera', () => {
    expect(cameraSource('eyes', { mode: 'eyes', video: 'processed' }, true)).toBe('processed');
    expect(cameraSource('eyes', { mode: 'eyes', video: 'raw' }, true)).toBe('camera');
    expect(cameraSource('eyes', null, false)).toBe('camera');
    expect(cameraSource('none', processed, true)).toBe('camera');
  });
});

const rig = useAgentRig({ processorModule: resolve(import.meta.dirname, '../agent/marker-processor.ts') });

async function post(path: string, headers: Record<string, string> = {}, method = 'POST') {
  const res = await fetch(`${rig.app.url}${path}`, { method, headers });
  return { status: res.status, headers: res.headers, body: (await res.text()) || '{}' };
}

async function ticket(): Promise<string> {
  const res = await post('/api/camera-sessions', { 'x-gazecam-owner': OWNER });
  expect(res.status).toBe(201);
  return JSON.parse(res.body).ticket;
}

/** Mean luma below the stamp band (the marker processor's output is flat MARKER_LUMA). */
function meanLuma(frames: FrameCollector): number {
  const f = frames.last!;
  let sum = 0;
  const from = stampHeight(f.width) * f.width;
  for (let i = from; i < f.width * f.height; i++) sum += f.data[i];
  return sum / (f.width * f.height - from);
}

describe('camera session through the server (real SFU, agent process)', () => {
  it('the viewer receives the camera processed; the room is private; the ticket owner wears identities', async () => {
    expect((await post('/api/camera-sessions')).status).toBe(403);
    expect((await post('/api/camera-sessions', { 'x-gazecam-owner': OWNER }, 'GET')).status).toBe(400);
    const t = await ticket();
    const camera = await HeadlessClient.connect(rig.app.url);
    const viewer = await HeadlessClient.connect(rig.app.url);
    const cam = new HeadlessCamera({ stamp: true });
    rig.cleanup.push(
      () => camera.close(),
      () => viewer.close(),
      () => cam.stop(),
    );
    const opened = await camera.openCamera(t, 'camera');
    expect(opened.room).toMatch(/^cam-/);
    const seen = await viewer.openCamera(t, 'viewer');
    expect(seen.camera).toBe(opened.participantId);
    await expect(camera.openCamera(t, 'camera')).rejects.toMatchObject({ code: 'ALREADY_JOINED' });

    // Nobody joins the private room by its name, not even with the ticket's owner token.
    const intruder = await HeadlessClient.connect(rig.app.url, { owner: OWNER });
    rig.cleanup.push(() => intruder.close());
    await expect(intruder.join({ room: opened.room, displayName: 'x' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(intruder.openCamera(t, 'viewer')).rejects.toMatchObject({ code: 'ALREADY_JOINED' });

    cam.start();
    await camera.publish(cam.tracks().filter((x) => x.kind === 'video'));
    const frames = new FrameCollector(await viewer.waitForTrack(opened.participantId, 'video', 30_000));
    rig.cleanup.push(() => frames.stop());
    await frames.waitFrames(5, 30_000);
    expect(Math.abs(meanLuma(frames) - MARKER_LUMA)).toBeGreaterThan(10); // the camera, unprocessed

    // Identities: another owner's (or an unknown) id is refused; the fixture portraits are anyone's.
    await expect(camera.settings({ mode: 'avatar', identityId: 'a'.repeat(32) })).rejects.toMatchObject({
      code: 'IDENTITY_NOT_FOUND',
    });
    const processed = videoBecomes(viewer, opened.participantId, 'processed', 170_000);
    await camera.settings({ mode: 'eyes' });
    await processed;
    await frames.waitFrames(5, 30_000);
    await until(() => Math.abs(meanLuma(frames) - MARKER_LUMA) < 3, 'marker frames at the viewer', 20_000);

    // Leaving closes the room and spends the ticket.
    const rooms = () => rig.app.signaling.stats().rooms.map((r) => r.name);
    expect(rooms()).toContain(opened.room);
    await camera.leave();
    await viewer.leave();
    await until(() => !rooms().includes(opened.room), 'the private room to close');
    expect(rig.app.signaling.cameras.isPrivate(opened.room)).toBe(false);
  }, 300_000);

  it('a camera page (CAMERA_ORIGINS) may open a camera session and nothing else', async () => {
    const page = io(rig.app.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: 'https://meet.example.com' },
    });
    rig.cleanup.push(() => page.close());
    await new Promise<void>((ok, fail) => {
      page.once('connect', () => ok());
      page.once('connect_error', fail);
    });
    const ask = (event: string, payload: unknown) =>
      page.timeout(10_000).emitWithAck(event, payload) as Promise<{ ok: boolean; error?: { code: string } }>;
    expect(await ask('join', { room: 'open-room', displayName: 'page' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await ask('camera:open', { ticket: await ticket(), role: 'camera' })).toMatchObject({ ok: true });
  }, 60_000);

  it('CORS and Private Network Access preflights: the extension origin yes, another origin no', async () => {
    const ext = 'chrome-extension://lnnmdcngdhpnjnginilpgmjfcgncakbl';
    const pre = await post(
      '/api/camera-sessions',
      {
        origin: ext,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-gazecam-owner',
        'access-control-request-private-network': 'true',
      },
      'OPTIONS',
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ext);
    expect(pre.headers.get('access-control-allow-private-network')).toBe('true');
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-gazecam-owner');
    const list = await post('/api/identities', { origin: ext, 'x-gazecam-owner': OWNER }, 'GET');
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBe(ext);

    const evil = 'https://evil.example';
    const refused = await post(
      '/api/camera-sessions',
      { origin: evil, 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const other = await post('/api/identities', { origin: evil, 'x-gazecam-owner': OWNER }, 'GET');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

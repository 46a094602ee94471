// The inference agent in a real call: a child process joins as a server-side participant, and the other
// participants receive its processed track instead of the raw camera; in eye-contact mode a crash falls back to
// the raw camera until a new agent serves (avatar mode: agent-failover.test.ts).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pearson } from '../../src/inference/geometry/math.ts';
import { HeadlessCamera, loadClip } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { AgentStatus, Participant, ServerErrorPush } from '../../src/signaling/protocol.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import type { I420Frame } from '../../src/video/frame.ts';
import { readStamp, stampHeight } from '../../src/video/stamp.ts';
import { nextEvent, until } from '../media/helpers.ts';
import { publishingPair, useAgentRig } from './rig.ts';

/** Pearson correlation of the luma below the stamp band, on an 8x-subsampled grid. */
function lumaCorrelation(a: I420Frame, b: I420Frame): number {
  const w = a.width;
  const pa: number[] = [];
  const pb: number[] = [];
  for (let y = stampHeight(w) + 4; y < a.height; y += 8) {
    for (let x = 0; x < w; x += 8) {
      pa.push(a.data[y * w + x]);
      pb.push(b.data[y * w + x]);
    }
  }
  return pearson(pa, pb);
}

const rig = useAgentRig({ processorModule: 'passthrough' });

async function callWithCamera(room: string, cam: HeadlessCamera) {
  const { a, b } = await publishingPair(rig, room, cam);
  const frames = new FrameCollector(await b.client.waitForTrack(a.id, 'video'), true);
  rig.cleanup.push(() => frames.stop());
  await frames.waitFrames(10);
  return { a, b, frames };
}

// Agent processes start in seconds on an idle machine, much longer on a loaded one: generous waits.
const AGENT_WAIT_MS = 45_000;

function videoOf(client: HeadlessClient, id: string, video: 'raw' | 'processed') {
  return nextEvent<Participant>(client, 'updated', (p) => p.id === id && p.video === video, AGENT_WAIT_MS);
}

describe('inference agent in the call (synthetic camera)', () => {
  it('mode on: B receives the agent track; off: the camera; agent killed: the camera again, room survives', async () => {
    const cam = new HeadlessCamera({ stamp: true, audio: true });
    const { a, b, frames } = await callWithCamera('agent-synth', cam);

    // Mode on: an agent process starts, joins, publishes; B's video for A switches to it.
    const processed = videoOf(b.client, a.id, 'processed');
    const ok = nextEvent<AgentStatus>(
      b.client,
      'agentstatus',
      (s) => s.participantId === a.id && s.state === 'ok' && s.fps > 0, // the first report comes with the first frame
      AGENT_WAIT_MS,
    );
    expect(await a.client.settings({ mode: 'eyes' })).toEqual({
      mode: 'eyes',
      identityId: null,
      debugSketch: false,
    });
    await processed;
    const status = await ok;
    expect(status.fps).toBeGreaterThan(0);
    // At the switch the picture steps back by the agent's latency (a frame or two): look past it.
    await frames.waitFrames(5);
    const before = frames.frames.length;
    await frames.waitFrames(25);
    // Passthrough processing: the received pictures are A's frames (their stamps read back, in order).
    const stamps = frames.frames
      .slice(before)
      .map((f) => f.stamp)
      .filter((s): s is number => s !== null);
    expect(stamps.length).toBeGreaterThan(15);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]);
    const stats = rig.app.signaling.stats();
    expect(stats.agents.find((s) => s.participantId === a.id)?.state).toBe('ok');
    expect(stats.peers).toBe(3); // A, B and the agent
    // Lip sync: the SFU holds A's audio back by what the agent reports (0 when the passthrough adds less than
    // the lag audio has anyway; test/agent/path-delay.test.ts has the arithmetic).
    expect(b.client.remote.get(a.id)?.audio).toBeDefined();
    const sfuRoom = rig.app.sfu.getRoom('agent-synth');
    const reported = stats.agents.find((s) => s.participantId === a.id)?.audioDelayMs;
    expect(reported).toBeGreaterThanOrEqual(0);
    await until(
      () => Math.abs((sfuRoom?.audioDelay(a.id) ?? -100) - (reported ?? 0)) <= 10,
      'the SFU audio delay to follow the agent',
      AGENT_WAIT_MS,
    );

    // Settings change live, without a new agent.
    const pids = [...rig.launcher.handles].map((h) => h.pid);
    await a.client.settings({ mode: 'both' });
    expect([...rig.launcher.handles].map((h) => h.pid)).toEqual(pids);

    // Mode off: back to the raw camera, the agent process exits.
    const raw = videoOf(b.client, a.id, 'raw');
    await a.client.settings({ mode: 'none' });
    await raw;
    await until(() => rig.launcher.handles.size === 0, 'the agent to exit', AGENT_WAIT_MS);
    await until(() => sfuRoom?.audioDelay(a.id) === 0, 'the audio delay to ramp back to 0');
    await frames.waitFrames(15);
    expect(frames.frames.at(-1)?.stamp).not.toBeNull();

    // Mode on again, then the agent process dies: eye contact falls back to the raw camera, A and B are told,
    // the room survives and a new agent serves again by itself.
    const processed2 = videoOf(b.client, a.id, 'processed');
    await a.client.settings({ mode: 'eyes' });
    await processed2;
    const [handle] = [...rig.launcher.handles];
    const rawAgain = videoOf(b.client, a.id, 'raw');
    const errorState = nextEvent<AgentStatus>(
      b.client,
      'agentstatus',
      (s) => s.state === 'fallback-camera',
      AGENT_WAIT_MS,
    );
    const told = nextEvent<ServerErrorPush>(
      a.client,
      'servererror',
      (e) => e.code === 'AGENT_UNAVAILABLE',
      AGENT_WAIT_MS,
    );
    const restarted = videoOf(b.client, a.id, 'processed');
    process.kill(handle.pid as number, 'SIGKILL');
    await rawAgain;
    await errorState;
    await told;
    const afterKill = frames.frames.length;
    await frames.waitFrames(25);
    expect(frames.frames.slice(afterKill).filter((f) => f.stamp !== null).length).toBeGreaterThan(15);
    const room = rig.app.signaling.stats().rooms.find((r) => r.name === 'agent-synth');
    expect(room?.participants).toHaveLength(2);
    await restarted;
    expect([...rig.launcher.handles].map((h) => h.pid)).not.toContain(handle.pid);
    await a.client.settings({ mode: 'none' });
    await until(() => rig.launcher.handles.size === 0, 'the agent to exit', AGENT_WAIT_MS);
    expect(rig.app.signaling.stats().rooms.find((r) => r.name === 'agent-synth')?.peers).toBe(2);
  }, 240_000);
});

describe.skipIf(!fixturesAvailable())(
  'inference agent with a fixture driver clip (needs ../shared/fixtures)',
  () => {
    it("B's processed frames are A's clip frames (passthrough processor)", async () => {
      const clip = await loadClip(resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg'), 60);
      const cam = new HeadlessCamera({ clip, stamp: true });
      const { a, b, frames } = await callWithCamera('agent-clip', cam);
      const processed = videoOf(b.client, a.id, 'processed');
      await a.client.settings({ mode: 'avatar', identityId: 's0' });
      await processed;
      const start = frames.frames.length;
      await frames.waitFrames(30);
      expect(frames.frames.length).toBeGreaterThan(start);
      const last = frames.last as I420Frame;
      const n = readStamp(last);
      expect(n).not.toBeNull();
      // The received picture matches the clip frame it was made from, and not a frame far from it.
      const same = lumaCorrelation(last, clip[(n as number) % clip.length]);
      const other = lumaCorrelation(last, clip[((n as number) + 30) % clip.length]);
      expect(same).toBeGreaterThan(0.9);
      expect(same).toBeGreaterThan(other);
    }, 150_000);
  },
);

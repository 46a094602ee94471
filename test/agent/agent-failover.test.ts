// Avatar mode fails closed with real agent processes: from the moment avatar mode is on, no camera frame captured
// after that moment reaches a viewer, through the agent's start, a SIGKILL of the agent and a SIGSTOP (hang) of
// the next one; each time the state says so and a new agent serves again by itself (after the SIGKILL from the
// spare kept warm). Frames are told apart by
// content: the marker processor flattens the picture below the probe stamp, the camera's pattern is not flat.
import { resolve } from 'node:path';
import wrtc from '@roamhq/wrtc';
import { describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import type { AgentStatus, Participant } from '../../src/signaling/protocol.ts';
import type { I420Frame } from '../../src/video/frame.ts';
import { readStamp, stampHeight } from '../../src/video/stamp.ts';
import { nextEvent, until } from '../media/helpers.ts';
import { publishingPair, useAgentRig } from './rig.ts';

const { RTCVideoSink } = wrtc.nonstandard;
const AGENT_WAIT_MS = 45_000;

const rig = useAgentRig({
  processorModule: resolve(import.meta.dirname, 'marker-processor.ts'),
  keepStamp: true,
});

/** Spread of the luma below the stamp band, subsampled: ~0 for the marker's output, large for the camera. */
function lumaSpread(f: I420Frame): number {
  let min = 255;
  let max = 0;
  for (let y = stampHeight(f.width) + 8; y < f.height - 8; y += 7) {
    for (let x = 8; x < f.width - 8; x += 7) {
      const v = f.data[y * f.width + x];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return max - min;
}

interface Seen {
  stamp: number | null;
  raw: boolean;
}

function watch(track: MediaStreamTrack) {
  const seen: Seen[] = [];
  const sink = new RTCVideoSink(track);
  sink.onframe = (ev: { frame: { width: number; height: number; data: Uint8Array } }) => {
    const f: I420Frame = { format: 'i420', ...ev.frame, data: new Uint8Array(ev.frame.data) };
    seen.push({ stamp: readStamp(f), raw: lumaSpread(f) > 40 });
  };
  return { seen, stop: () => sink.stop() };
}

describe('avatar mode fails closed (real agent processes, marker processor)', () => {
  it('never shows the camera after avatar is on: agent start, SIGKILL, SIGSTOP; restarts by itself', async () => {
    const cam = new HeadlessCamera({ stamp: true, width: 256, height: 256, fps: 15 });
    const { a, b } = await publishingPair(rig, 'failover', cam);
    const view = watch(await b.client.waitForTrack(a.id, 'video'));
    rig.cleanup.push(() => view.stop());
    await until(() => view.seen.filter((s) => s.raw).length >= 5, 'raw camera frames before avatar mode');

    const statuses: AgentStatus[] = [];
    b.client.on('agentstatus', (s) => statuses.push(s));
    const processed = () =>
      nextEvent<Participant>(
        b.client,
        'updated',
        (p) => p.id === a.id && p.video === 'processed',
        AGENT_WAIT_MS,
      );
    const servedAgain = processed();

    // Avatar on: camera frames captured from now on must never reach B.
    const avatarFrom = cam.frameCount;
    await a.client.settings({ mode: 'avatar' });
    expect(rig.app.signaling.stats().rooms[0].participants.find((p) => p.id === a.id)?.video).toBe('held');
    await servedAgain;
    const leaks = () => view.seen.filter((s) => s.raw && s.stamp !== null && s.stamp >= avatarFrom);
    const markerFrames = () => view.seen.filter((s) => !s.raw).length;
    let n = markerFrames();
    await until(() => markerFrames() >= n + 10, 'agent frames at B', AGENT_WAIT_MS);

    // A spare is warmed again after the pool's agent was taken, so a crash of the only serving agent finds one.
    await rig.launcher.warmUp(AGENT_WAIT_MS);
    expect(rig.launcher.poolPids()).toHaveLength(1);

    // SIGKILL: held (not the camera), the state says so, and a new agent serves again.
    const first = rig.app.signaling.agents.get('failover', a.id);
    const pid1 = first?.pid as number;
    expect(pid1).toBeGreaterThan(0);
    const back1 = processed();
    const heldAfterKill = nextEvent<AgentStatus>(b.client, 'agentstatus', (s) => s.state === 'fallback-held');
    const killedAt = performance.now();
    process.kill(pid1, 'SIGKILL');
    const killedStatus = await heldAfterKill;
    const heldMs = performance.now() - killedAt;
    expect(killedStatus.message).toMatch(/exited|left/);
    expect(rig.app.signaling.stats().rooms[0].participants.find((p) => p.id === a.id)?.video).toBe('held');
    await back1;
    console.log(
      `SIGKILL: held after ${Math.round(heldMs)} ms, a new agent served after ${Math.round(performance.now() - killedAt)} ms`,
    );
    expect(first?.pid).not.toBe(pid1);
    n = markerFrames();
    await until(() => markerFrames() >= n + 10, 'frames from the restarted agent', AGENT_WAIT_MS);

    // SIGSTOP: the watchdog notices the silence, holds, kills the hung process and starts another.
    const pid2 = first?.pid as number;
    const back2 = processed();
    const heldAfterStop = nextEvent<AgentStatus>(b.client, 'agentstatus', (s) => s.state === 'fallback-held');
    const stoppedAt = performance.now();
    process.kill(pid2, 'SIGSTOP');
    const hungStatus = await heldAfterStop;
    console.log(`watchdog: fallback ${Math.round(performance.now() - stoppedAt)} ms after SIGSTOP`);
    // The agent's heartbeat reached the watchdog (a slow agent beats on; a stopped one does not).
    expect(hungStatus.message).toMatch(/sent no video and no heartbeat/);
    await until(() => !alive(pid2), 'the hung agent to be killed', AGENT_WAIT_MS);
    await back2;
    console.log(`SIGSTOP: a new agent served after ${Math.round(performance.now() - stoppedAt)} ms`);
    n = markerFrames();
    await until(() => markerFrames() >= n + 10, 'frames from the agent after the hang', AGENT_WAIT_MS);

    expect(leaks()).toEqual([]);
    expect(statuses.some((s) => s.state === 'ok')).toBe(true);
    // One process per participant throughout.
    expect(rig.launcher.handles.size).toBe(1);
  }, 240_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// An inference agent (a real child process, passthrough processor) in a call on the Janus backend: it joins
// through signaling, subscribes to A raw, publishes; the server routes A's subscribers to it (Janus `switch`)
// and back when the mode goes off; an agent killed mid-call falls back to A's camera.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { type JanusProcess, janusUnavailable, launchJanus } from '../../src/media/janus/launch.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { FrameCollector } from '../../src/probe/receiver.ts';
import type { App } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { publisherAndViewer, until, videoBecomes } from './helpers.ts';
import { janusSettled, startJanusServer } from './janus-helpers.ts';

const unavailable = janusUnavailable();
if (unavailable) console.warn(`skipping the Janus agent test: ${unavailable}`);
// Agent processes start in seconds on an idle machine, much longer on a loaded one.
const AGENT_WAIT_MS = 45_000;

const videoOf = (client: HeadlessClient, id: string, video: 'raw' | 'processed') =>
  videoBecomes(client, id, video, AGENT_WAIT_MS);

describe.skipIf(unavailable !== null)('inference agent on the Janus backend', () => {
  let janus: JanusProcess;
  let launcher: ProcessAgentLauncher;
  let app: App;
  const cleanup: Array<() => void> = [];

  beforeAll(async () => {
    janus = await launchJanus();
    launcher = new ProcessAgentLauncher({ poolSize: 0, processorModule: 'passthrough' });
    app = await startJanusServer(janus.url, launcher);
  }, 30_000);
  afterAll(async () => {
    for (const f of cleanup.reverse()) f();
    await app?.close();
    if (app) await janusSettled(app);
    if (launcher) {
      await until(() => launcher.handles.size === 0, 'agent processes to exit', 10_000);
      launcher.close();
    }
    await janus?.close();
  });

  it('mode on: B gets the agent output; off: the camera; agent killed: the camera again', async () => {
    const cam = new HeadlessCamera({ stamp: true, audio: true });
    const { a, b, track } = await publisherAndViewer(app, 'jagent', cam, cleanup);
    const frames = new FrameCollector(track, true);
    cleanup.push(() => frames.stop());
    await frames.waitFrames(10);
    const room = app.sfu.getRoom('jagent');
    if (!room) throw new Error('no room');

    const processed = videoOf(b.client, a.id, 'processed');
    await a.client.settings({ mode: 'eyes' });
    await processed;
    const agentId = room.currentSource(a.id);
    expect(agentId).toMatch(/^agent-/);
    // The agent subscribed to A raw and publishes; B's track for A is the same one, now fed by the agent.
    expect(room.getPeer(agentId)?.subscriptions()).toEqual([a.id]);
    expect(room.getPeer(agentId)?.publishing().video).toBe(true);
    await frames.waitFrames(25);
    expect(b.client.remote.get(a.id)?.video).toBe(track);
    const stamps = frames.frames
      .slice(-20)
      .map((f) => f.stamp)
      .filter((s): s is number => s !== null);
    expect(stamps.length).toBeGreaterThan(10);

    const raw = videoOf(b.client, a.id, 'raw');
    await a.client.settings({ mode: 'none' });
    await raw;
    expect(room.currentSource(a.id)).toBe(a.id);
    await until(() => launcher.handles.size === 0, 'the agent to exit', AGENT_WAIT_MS);
    await frames.waitFrames(15);

    const processed2 = videoOf(b.client, a.id, 'processed');
    await a.client.settings({ mode: 'eyes' });
    await processed2;
    const [handle] = [...launcher.handles];
    const rawAgain = videoOf(b.client, a.id, 'raw');
    process.kill(handle.pid as number, 'SIGKILL');
    await rawAgain;
    await frames.waitFrames(15);
    expect(frames.frames.at(-1)?.stamp).not.toBeNull();
  }, 180_000);
});

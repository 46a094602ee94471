// Inference workers as real processes: the server (AGENT_WORKERS=remote) places a participant's agent on one of
// two workers; SIGKILL of that worker mid-call holds the avatar (never the camera) and the agent comes back on
// the other worker by itself. Run on loopback, and (as root, where the kernel allows) with each worker in its
// own network namespace, a separate host reaching the server over a veth link.
import { readlinkSync } from 'node:fs';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import { WORKER_NAMESPACE } from '../../src/scale/worker-protocol.ts';
import { type App, startApp } from '../../src/server/app.ts';
import type { AgentStatus } from '../../src/signaling/protocol.ts';
import { nextEvent, publisherAndViewer, until, videoBecomes } from '../media/helpers.ts';
import { viewMarker } from './marker-view.ts';
import { createNetns, type Netns, netnsAvailable } from './netns.ts';
import { alive, type Proc, startWorker } from './processes.ts';

const TOKEN = 'worker-test-token-0123456789';
const AGENT_WAIT_MS = 45_000;

function workerSuite(where: 'loopback' | 'netns') {
  let app: App;
  const workers = new Map<string, Proc>();
  const spaces: Netns[] = [];
  const cleanup: Array<() => void> = [];

  beforeAll(async () => {
    if (where === 'netns') spaces.push(createNetns(0), createNetns(1));
    // In namespaces the server listens on the first veth's address (the second namespace routes to it).
    const host = where === 'netns' ? spaces[0].hostAddress : '127.0.0.1';
    app = await startApp({ port: 0, host, tls: null, workers: { mode: 'remote', token: TOKEN } });
    ['w1', 'w2'].forEach((id, i) => {
      workers.set(id, startWorker(app.url, id, TOKEN, 2, spaces[i]?.exec ?? []));
    });
    await Promise.all([...workers.values()].map((w) => w.line(/registered/)));
    await until(() => app.workers?.workers().length === 2, 'both workers in the pool');
  }, 90_000);

  afterAll(async () => {
    for (const f of cleanup.reverse()) f();
    await app?.close();
    await Promise.all([...workers.values()].map((w) => w.stop()));
    for (const s of spaces) s.remove();
  });

  it('refuses a worker with the wrong token', async () => {
    const s = io(`${app.url}${WORKER_NAMESPACE}`, {
      auth: { token: 'not-the-worker-token', workerId: 'intruder', capacity: 1 },
      transports: ['websocket'],
      reconnection: false,
    });
    const err = await new Promise<Error>((r) => s.once('connect_error', r));
    s.close();
    expect(err.message).toMatch(/FORBIDDEN/);
    expect(
      app.workers
        ?.workers()
        .map((w) => w.workerId)
        .sort(),
    ).toEqual(['w1', 'w2']);
  });

  it('runs the agent on a worker; a killed worker -> avatar held, then served from the other worker', async () => {
    const cam = new HeadlessCamera({ stamp: true, width: 256, height: 256, fps: 15 });
    const { a, b, track } = await publisherAndViewer(app, 'workers', cam, cleanup);
    const view = viewMarker(track);
    cleanup.push(() => view.stop());
    await until(() => view.raw >= 5, 'camera frames before avatar mode');

    const processed = () => videoBecomes(b.client, a.id, 'processed', AGENT_WAIT_MS);
    const served = processed();
    await a.client.settings({ mode: 'avatar' });
    await served;
    let n = view.marker;
    await until(() => view.marker >= n + 10, 'agent frames at B', AGENT_WAIT_MS);

    // Which worker runs it, by the pool's record and by the worker's own report of the pid.
    const job = () => app.workers?.jobs()[0];
    const first = job();
    expect(first?.participantId).toBe(a.id);
    expect(first?.pid).toBeGreaterThan(0);
    const host = workers.get(first?.workerId as string) as Proc;
    await host.line(new RegExp(`pid ${first?.pid}$`));
    expect(app.signaling.agents.get('workers', a.id)?.pid).toBe(first?.pid);
    // In namespaces the agent runs on the worker's "host", not beside the server.
    const netOf = (pid: number | string) => readlinkSync(`/proc/${pid}/ns/net`);
    if (where === 'netns') expect(netOf(first?.pid as number)).not.toBe(netOf('self'));

    // kill -9 the worker: its agent goes with it (its spawner and agent exit when their parent channel closes).
    const held = nextEvent<AgentStatus>(b.client, 'agentstatus', (s) => s.state === 'fallback-held');
    const back = processed();
    const rawBefore = view.raw;
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    expect((await held).message).toMatch(/exited|left/);
    await back;
    console.log(
      `${where}: worker SIGKILL -> served again from the other worker after ${Math.round(performance.now() - killedAt)} ms`,
    );
    n = view.marker;
    await until(() => view.marker >= n + 10, 'frames from the agent on the other worker', AGENT_WAIT_MS);
    const second = job();
    expect(second?.workerId).not.toBe(first?.workerId);
    expect(second?.participantId).toBe(a.id);
    await until(() => !alive(first?.pid as number), "the dead worker's agent to exit", 15_000);
    // Fail closed: B saw no camera frame after avatar mode, through the worker's death.
    expect(view.raw).toBe(rawBefore);
  }, 180_000);
}

describe('inference workers (two worker processes, loopback)', () => workerSuite('loopback'));

describe.skipIf(!netnsAvailable())(
  'inference workers (two worker processes, each in its own network namespace)',
  () => workerSuite('netns'),
);

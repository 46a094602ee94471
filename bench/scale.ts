// Scale benchmark: redis-server, two server nodes and two inference workers (queue mode) as processes on this
// machine; S streams (default 1,2,4 in turn), each a room created through node (i mod 2) with one publisher in
// avatar mode (agent on a worker, passthrough processor unless --processor) and one viewer. Per step it prints
// one JSON line: the viewers' received fps, the agents' reported fps, CPU (cores) of nodes, workers with their
// agents, and the harness, per stream, where each job ran, and Redis commands per second.
// Options: --streams 1,2,4, --seconds S (measure window, default 8), --capacity N (per worker, default 4),
//   --processor MODULE, --fps F (camera, default 15), --size PX (default 256).

import wrtc from '@roamhq/wrtc';
import { Redis } from 'ioredis';
import { HeadlessCamera } from '../src/probe/camera.ts';
import { HeadlessClient } from '../src/signaling/headless-client.ts';
import type { AgentStatus } from '../src/signaling/protocol.ts';
import { nodeStats, nodeUrl, type Proc, startNode, startQueueWorker } from '../test/scale/processes.ts';
import { HAVE_REDIS, startRedis } from '../test/scale/redis.ts';
import { arg, sleep } from './bench-helpers.ts';
import { treeCpuSeconds } from './proc-cpu.ts';

const { RTCVideoSink } = wrtc.nonstandard;

const round = (v: number, d = 2) => Number(v.toFixed(d));

interface Stream {
  publisher: HeadlessClient;
  viewer: HeadlessClient;
  camera: HeadlessCamera;
  frames: number;
  agentFps: number;
  sink: { stop(): void };
}

async function openStream(node: string, room: string, fps: number, size: number): Promise<Stream> {
  const pub = await HeadlessClient.connectAndJoin(node, { room, displayName: 'pub' });
  const view = await HeadlessClient.connectAndJoin(node, { room, displayName: 'view' });
  const camera = new HeadlessCamera({ width: size, height: size, fps });
  camera.start();
  await pub.client.publish(camera.tracks());
  const id = pub.joined.participantId;
  const s: Stream = {
    publisher: pub.client,
    viewer: view.client,
    camera,
    frames: 0,
    agentFps: 0,
    sink: { stop() {} },
  };
  const track = await view.client.waitForTrack(id, 'video');
  const sink = new RTCVideoSink(track);
  sink.onframe = () => s.frames++;
  s.sink = sink;
  view.client.on('agentstatus', (st: AgentStatus) => {
    if (st.participantId === id && st.state === 'ok') s.agentFps = st.fps;
  });
  const served = new Promise<void>((res) =>
    view.client.on('updated', (p) => p.id === id && p.video === 'processed' && res()),
  );
  await pub.client.settings({ mode: 'avatar' });
  await Promise.race([served, sleep(60_000)]);
  return s;
}

function closeStream(s: Stream): void {
  s.sink.stop();
  s.camera.stop();
  s.publisher.close();
  s.viewer.close();
}

export async function run(args: string[]): Promise<void> {
  if (!HAVE_REDIS) throw new Error('bench scale needs redis-server (/usr/bin/redis-server)');
  const steps = (arg(args, 'streams') ?? '1,2,4').split(',').map(Number);
  const seconds = Number(arg(args, 'seconds') ?? 8);
  const capacity = Number(arg(args, 'capacity') ?? 4);
  const fps = Number(arg(args, 'fps') ?? 15);
  const size = Number(arg(args, 'size') ?? 256);
  const processor = arg(args, 'processor') ?? 'passthrough';
  const redis = await startRedis();
  const procs: Proc[] = [];
  const nodes: Array<{ url: string; proc: Proc }> = [];
  const workers: Array<{ id: string; proc: Proc }> = [];
  const streams: Stream[] = [];
  const r = new Redis(redis.url);
  try {
    for (let i = 0; i < 2; i++) {
      const proc = startNode(redis.url, { AGENT_MAX: '64' });
      procs.push(proc);
      nodes.push({ url: await nodeUrl(proc), proc });
    }
    for (const id of ['w1', 'w2']) {
      const proc = startQueueWorker(redis.url, id, capacity, processor, { AGENT_NICENESS: '0' });
      procs.push(proc);
      workers.push({ id, proc });
      await proc.line(/registered/);
    }
    for (const n of steps) {
      while (streams.length < n) {
        const i = streams.length;
        streams.push(await openStream(nodes[i % 2].url, `scale-${i}`, fps, size));
      }
      await sleep(2000); // settle: keyframes, agent warm-up
      const cpu0 = {
        nodes: nodes.map((x) => treeCpuSeconds(x.proc.child.pid as number)),
        workers: workers.map((x) => treeCpuSeconds(x.proc.child.pid as number)),
        harness: process.cpuUsage(),
      };
      const frames0 = streams.map((s) => s.frames);
      const cmd0 = Number((await r.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? 0);
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const dt = (performance.now() - t0) / 1000;
      const cmd1 = Number((await r.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? 0);
      const nodeCpu = nodes.map((x, i) => (treeCpuSeconds(x.proc.child.pid as number) - cpu0.nodes[i]) / dt);
      const workerCpu = workers.map(
        (x, i) => (treeCpuSeconds(x.proc.child.pid as number) - cpu0.workers[i]) / dt,
      );
      const h = process.cpuUsage(cpu0.harness);
      const jobs = (
        await Promise.all(
          nodes.map(async (x) => {
            const st = await nodeStats<{
              agentJobs?: Array<{ workerId: string | null }>;
              rooms: unknown[];
            }>(x.url);
            return { rooms: st.rooms.length, jobs: st.agentJobs ?? [] };
          }),
        )
      ).map((x) => x);
      const perWorker = workers.map(
        (w) => jobs.flatMap((x) => x.jobs).filter((j) => j.workerId === w.id).length,
      );
      const fpsIn = streams.map((s, i) => (s.frames - frames0[i]) / dt);
      process.stdout.write(
        `${JSON.stringify({
          bench: 'scale',
          streams: n,
          camera_fps: fps,
          size,
          viewer_fps: {
            mean: round(fpsIn.reduce((a, b) => a + b, 0) / n, 1),
            min: round(Math.min(...fpsIn), 1),
          },
          agent_fps: round(streams.reduce((a, s) => a + s.agentFps, 0) / n, 1),
          rooms_per_node: jobs.map((x) => x.rooms),
          jobs_per_worker: perWorker,
          cpu_cores: {
            nodes: nodeCpu.map((c) => round(c)),
            workers: workerCpu.map((c) => round(c)),
            harness: round((h.user + h.system) / 1e6 / dt),
          },
          worker_cores_per_stream: round(workerCpu.reduce((a, b) => a + b, 0) / n, 3),
          node_cores_per_stream: round(nodeCpu.reduce((a, b) => a + b, 0) / n, 3),
          redis_cmds_per_s: round((cmd1 - cmd0) / dt, 1),
        })}\n`,
      );
    }
  } finally {
    for (const s of streams) closeStream(s);
    r.disconnect();
    await Promise.all(procs.map((p) => p.stop()));
    await redis.stop();
  }
}

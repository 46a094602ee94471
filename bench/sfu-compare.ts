// SFU backends side by side: the same N-participant call (P of them publish a stamped camera and a microphone,
// everyone receives every publisher) on the embedded werift SFU, on Janus VideoRoom and on mediasoup, one after
// the other in one run. Per backend and N it prints one JSON line:
// {"bench":"sfu-compare","sfu":"werift"|"janus"|"mediasoup"|...,"participants":N,"publishers":P,
//  "video_streams":P*(N-1),"fps":{mean,min},"latency_ms":{p50,p95},"cpu_pct":{server,janus,sfu},
//  "sfu_cpu_pct_per_stream":..,"loop_lag_p99_ms":..,"stats_ms":{p50,max}}
// latency_ms is capture -> decoded at the receiver (stamp read back; same clock, the clients share this
// process), so the difference between the backends is what one adds over the other. CPU comes from /proc:
// the call server's process tree (signaling; with werift the whole SFU; with mediasoup its worker processes)
// and the janus process; "sfu" is the media path's (werift, mediasoup: server tree; janus: janus + server).
// The headless clients' encode/decode is not counted. loop_lag_p99_ms: the worst 5 s window of the server's
// event-loop lag p99 (its /stats, polled each second of the window); stats_ms: how long /stats took to answer.
// Options: --participants 2,3 (per room), --publishers P (default: everyone), --viewers V (participants whose
// video is read back, the last to join; default: everyone; everyone receives all the same), --seconds S (window,
// default 10), --size 320 (camera width; height 3/4 of it), --fps F (default 25),
// --sfu werift,janus,mediasoup[,janus-remb][,mediasoup-twcc][,mediasoup-remb] (janus-remb: JANUS_TWCC=0, REMB
// only as werift; mediasoup-twcc / -remb: MEDIASOUP_TWCC=1 / 0),
// --janus-url URL (a running Janus; default: start a private one).
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { type JanusProcess, janusUnavailable, launchJanus } from '../src/media/janus/launch.ts';
import { mediasoupUnavailable } from '../src/media/mediasoup/worker-bin.ts';
import { HeadlessCamera } from '../src/probe/camera.ts';
import { FrameCollector } from '../src/probe/receiver.ts';
import { HeadlessClient } from '../src/signaling/headless-client.ts';
import { arg, pct, round, sleep } from './bench-helpers.ts';
import { cpuSeconds, treeCpuSeconds } from './proc-cpu.ts';

async function startServer(
  env: Record<string, string>,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(import.meta.dirname, 'sfu-compare-server.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((res, rej) => {
    lines.once('line', res);
    child.once('exit', (code) => rej(new Error(`server exited (${code})`)));
  });
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  return {
    url,
    pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Participant {
  client: HeadlessClient;
  id: string;
  cam: HeadlessCamera;
}

type Backend = 'werift' | 'janus' | 'janus-remb' | 'mediasoup' | 'mediasoup-twcc' | 'mediasoup-remb';

interface Shape {
  n: number;
  publishers: number;
  /** Participants whose received video is read back (the last ones to join). */
  viewers: number;
  seconds: number;
  width: number;
  fps: number;
}

interface ServerStats {
  eventLoopLagMs?: { p99: number };
}

/** Polls the server's /stats each second: the worst loop-lag p99 it reports and how long it takes to answer. */
function pollStats(url: string) {
  const lags: number[] = [];
  const took: number[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        const body = (await (await fetch(`${url}/stats`)).json()) as ServerStats;
        took.push(performance.now() - t0);
        if (body.eventLoopLagMs) lags.push(body.eventLoopLagMs.p99);
      } catch {
        // a slow or refused answer shows in `took` of the next one
      }
      await sleep(1000);
    }
  })();
  return {
    async end() {
      stop = true;
      await done;
      return {
        lagP99: lags.length ? round(Math.max(...lags)) : null,
        statsMs: { p50: round(pct(took, 50)), max: round(Math.max(0, ...took)) },
      };
    },
  };
}

async function measure(sfu: Backend, shape: Shape, janusUrl?: string) {
  const { n, seconds, width, fps: FPS } = shape;
  const viewers = Math.min(n, shape.viewers);
  const publishers = Math.min(n, shape.publishers);
  const env: Record<Backend, Record<string, string>> = {
    mediasoup: { SFU: 'mediasoup' },
    'mediasoup-twcc': { SFU: 'mediasoup', MEDIASOUP_TWCC: '1' },
    'mediasoup-remb': { SFU: 'mediasoup', MEDIASOUP_TWCC: '0' },
    werift: { SFU: 'werift' },
    janus: { SFU: 'janus', JANUS_URL: janusUrl ?? '' },
    'janus-remb': { SFU: 'janus', JANUS_URL: janusUrl ?? '', JANUS_TWCC: '0' },
  };
  const server = await startServer(env[sfu]);
  const people: Participant[] = [];
  const collectors: Array<{ from: Participant; frames: FrameCollector }> = [];
  try {
    for (let i = 0; i < n; i++) {
      const client = await HeadlessClient.connect(server.url);
      const { participantId: id } = await client.join({ room: 'compare', displayName: `P${i}` });
      const cam = new HeadlessCamera({
        width,
        height: Math.round((width * 3) / 4),
        fps: FPS,
        stamp: true,
        audio: true,
      });
      people.push({ client, id, cam });
    }
    const senders = people.slice(0, publishers);
    for (const p of senders) p.cam.start();
    await Promise.all(senders.map((p) => p.client.publish(p.cam.tracks())));
    // Everyone receives every publisher; frames are read back (stamps, fps, latency) at the last `viewers`.
    for (const [i, rx] of people.entries()) {
      for (const tx of senders) {
        if (tx === rx) continue;
        const track = await rx.client.waitForTrack(tx.id, 'video', 60_000);
        if (i >= people.length - viewers)
          collectors.push({ from: tx, frames: new FrameCollector(track, true) });
      }
    }
    await Promise.all(collectors.map((c) => c.frames.waitFrames(10, 30_000)));
    await sleep(2000); // past the first keyframes and jitter-buffer growth
    const starts = collectors.map((c) => c.frames.frames.length);
    const poll = pollStats(server.url);
    const cpu0 = { server: treeCpuSeconds(server.pid), janus: cpuSeconds(janusPid), t: performance.now() };
    await sleep(seconds * 1000);
    const cpu1 = { server: treeCpuSeconds(server.pid), janus: cpuSeconds(janusPid), t: performance.now() };
    const polled = await poll.end();
    const wall = (cpu1.t - cpu0.t) / 1000;
    const fps: number[] = [];
    const latency: number[] = [];
    collectors.forEach((c, i) => {
      const window = c.frames.frames.slice(starts[i]).filter((f) => f.at >= cpu0.t && f.at <= cpu1.t);
      fps.push(window.length / wall);
      for (const f of window) {
        if (f.stamp === null) continue;
        const sent = c.from.cam.sentAt.get(f.stamp);
        if (sent !== undefined && f.at >= sent) latency.push(f.at - sent);
      }
    });
    const serverPct = (100 * (cpu1.server - cpu0.server)) / wall;
    const janus = sfu === 'janus' || sfu === 'janus-remb';
    const janusPct = janus ? (100 * (cpu1.janus - cpu0.janus)) / wall : 0;
    const sfuPct = serverPct + janusPct;
    const streams = publishers * (n - 1);
    const known = !janus || !!janusPid;
    return {
      bench: 'sfu-compare',
      sfu,
      participants: n,
      publishers,
      viewers,
      video_streams: streams,
      camera: `${width}x${Math.round((width * 3) / 4)}@${FPS}`,
      seconds: round(wall, 1),
      fps: { mean: round(fps.reduce((a, b) => a + b, 0) / fps.length), min: round(Math.min(...fps)) },
      latency_ms: { p50: round(pct(latency, 50)), p95: round(pct(latency, 95)) },
      // A Janus given by --janus-url is not this bench's child: its CPU is unknown (null).
      cpu_pct: {
        server: round(serverPct),
        janus: !janus ? 0 : janusPid ? round(janusPct) : null,
        sfu: known ? round(sfuPct) : null,
      },
      sfu_cpu_pct_per_stream: known ? round(sfuPct / streams, 2) : null,
      loop_lag_p99_ms: polled.lagP99,
      stats_ms: polled.statsMs,
      loadavg: round(loadavg()[0], 2),
    };
  } finally {
    for (const c of collectors) c.frames.stop();
    for (const p of people) {
      p.cam.stop();
      p.client.close();
    }
    await server.stop();
  }
}

let janusPid: number | undefined;

export async function run(args: string[]): Promise<void> {
  const counts = (arg(args, 'participants') ?? '2,3').split(',').map(Number);
  const seconds = Number(arg(args, 'seconds') ?? 10);
  const width = Number(arg(args, 'size') ?? 320);
  const fps = Number(arg(args, 'fps') ?? 25);
  const publishers = Number(arg(args, 'publishers') ?? Number.POSITIVE_INFINITY);
  const viewers = Number(arg(args, 'viewers') ?? Number.POSITIVE_INFINITY);
  const backends = (arg(args, 'sfu') ?? 'werift,janus,mediasoup').split(',') as Backend[];
  const noMediasoup = mediasoupUnavailable();
  if (backends.some((b) => b.startsWith('mediasoup')) && noMediasoup) {
    process.stderr.write(`sfu-compare: no mediasoup here (${noMediasoup})\n`);
    backends.splice(0, backends.length, ...backends.filter((b) => !b.startsWith('mediasoup')));
  }
  let janus: JanusProcess | null = null;
  let janusUrl = arg(args, 'janus-url');
  const rows: Array<Awaited<ReturnType<typeof measure>>> = [];
  try {
    if (backends.some((b) => b === 'janus' || b === 'janus-remb') && !janusUrl) {
      const why = janusUnavailable();
      if (why) {
        process.stderr.write(`sfu-compare: no Janus here (${why}); werift only\n`);
        backends.splice(0, backends.length, ...backends.filter((b) => !b.startsWith('janus')));
      } else {
        janus = await launchJanus();
        janusUrl = janus.url;
        janusPid = janus.pid;
      }
    }
    for (const n of counts) {
      for (const sfu of backends) {
        const row = await measure(sfu, { n, publishers, viewers, seconds, width, fps }, janusUrl);
        rows.push(row);
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    await janus?.close();
  }
  if (!args.includes('--json')) {
    for (const r of rows) {
      process.stderr.write(
        `${r.sfu.padEnd(9)} N=${r.participants} (${r.publishers} publishing): ${r.fps.mean} fps (min ${r.fps.min}), latency p50 ${r.latency_ms.p50} ms, SFU CPU ${r.cpu_pct.sfu}% (${r.sfu_cpu_pct_per_stream}%/stream), loop lag p99 ${r.loop_lag_p99_ms} ms\n`,
      );
    }
  }
}

// Call benchmark: N publishers (1 and 2 by default) with a mode on, each served by an agent process, and one
// viewer, all over loopback WebRTC through the SFU. Every camera frame carries its counter as a barcode (the
// agent copies the band through processing), so the viewer measures latency per frame; every 25th frame goes
// with a tone burst, so the viewer measures the audio-video offset. The raw path (mode off) is measured in the
// same run as the baseline for "added latency". Prints one JSON line per participant count:
// {"bench":"call","participants":N,"fps":..,"dropped":..,"latency_ms":{p50,p95},"added_ms":{p50,p95},...}
// The server (bench/call-server.ts: HTTP, signaling, SFU, agents with one warm spare per participant) runs in
// its own process, as deployed; CPU is reported for server, agents and the headless clients separately.
// Options: --seconds S (measure window per phase, default 12), --participants 1,2, --mode avatar|eyes|both,
//   --clip PATH (MJPEG; default fixtures d0 if present, else a synthetic pattern), --processor MODULE
//   (default passthrough; src/inference/agent/pipeline-processor.ts = the real pipeline), --identity ID (default
//   the fixture portrait s0 when the fixtures are present),
//   --agent-niceness N (default 0), --publisher-niceness N (default 19), --no-audio-sink, --pool N (warm agents;
//   default one per participant, 0: every agent starts cold), --root DIR (run the server and agents of another
//   copy of the project, e.g. `git archive REV src models bench | tar -x -C DIR`: the same bench, before/after).
// first_avatar_ms: from the settings request to the viewer's first frame at the avatar's size, per publisher.
// Each publisher runs in its own process (bench/call-publisher.ts) at the lowest priority: its VP8 encode
// belongs to a user's machine, so on this one it must not take CPU the server and agents would have in a
// deployment. The viewer, whose playout buffers are measured, keeps its priority (and, with it, its share).
// --publisher-niceness 0 shows the harness's own load instead.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { BurstDetector, FrameCollector } from '../src/probe/receiver.ts';
import { HeadlessClient } from '../src/signaling/headless-client.ts';
import type { AgentStatus, Mode } from '../src/signaling/protocol.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../src/util/paths.ts';
import { arg, pct, round, sleep } from './bench-helpers.ts';
import { cpuSeconds, processTree } from './proc-cpu.ts';

const FPS = 25;
const MARK_EVERY = 25;

/**
 * Starts bench/call-server.ts (of `root`, default this copy) in its own process; resolves with its URL once
 * its warm agents are ready. `maxAgents`: the server's cap (default at least 4).
 */
export async function startServer(
  poolSize: number,
  processor: string | undefined,
  niceness: number,
  opts: { root?: string; maxAgents?: number; env?: Record<string, string> } = {},
) {
  const root = opts.root ? resolve(opts.root, 'bench') : import.meta.dirname;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(root, 'call-server.ts'),
      JSON.stringify({ poolSize, processor: processor ?? 'passthrough' }),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        AGENT_NICENESS: String(niceness),
        AGENT_MAX: String(opts.maxAgents ?? Math.max(4, poolSize)),
        ...opts.env,
      },
    },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`call server exited (${code})`)));
  });
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return { url, pid, stop };
}

export interface PublisherProcess {
  id: string;
  child: ChildProcess;
  settings(settings: { mode: Mode; identityId: string | null }): Promise<void>;
  /** Send times (this process's performance.now() clock) of each stamped frame and each tone burst. */
  report(): Promise<{ sentAt: Map<number, number>; burstsAt: number[] }>;
  /** Frames its video encoder has produced so far. */
  encoded(): Promise<number>;
  close(): Promise<void>;
}

/** Starts one stand-in user (bench/call-publisher.ts) at the given niceness; resolves once it publishes. */
export async function startPublisher(
  url: string,
  name: string,
  clip: string | undefined,
  niceness: number,
): Promise<PublisherProcess> {
  const cfg = { url, name, clip: clip ?? null, fps: FPS, markEvery: MARK_EVERY, niceness };
  const child = fork(resolve(import.meta.dirname, 'call-publisher.ts'), [JSON.stringify(cfg)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(t: string) =>
    new Promise<T>((res, rej) => {
      const onMessage = (m: { t: string; message?: string }) => {
        if (m.t !== t && m.t !== 'error') return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (m.t === 'error') rej(new Error(`${name}: ${m.message}`));
        else res(m as T);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        rej(new Error(`${name} exited (${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { id } = await next<{ id: string }>('ready');
  // Its clock, converted to this process's performance.now() timebase through the shared epoch.
  const local = (epochMs: number) => epochMs - performance.timeOrigin;
  return {
    id,
    child,
    async settings(settings) {
      const ok = next('settings');
      child.send({ t: 'settings', settings });
      await ok;
    },
    async report() {
      const got = next<{ sentAt: [number, number][]; burstsAt: number[] }>('report');
      child.send({ t: 'report' });
      const r = await got;
      return { sentAt: new Map(r.sentAt.map(([n, t]) => [n, local(t)])), burstsAt: r.burstsAt.map(local) };
    },
    async encoded() {
      const got = next<{ frames: number }>('encoded');
      child.send({ t: 'encoded' });
      return (await got).frames;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ t: 'close' });
      await exited;
    },
  };
}

/** Sums of the viewer's inbound video and audio stats (all publishers). */
function receiverStats(stats: Array<Record<string, unknown>>) {
  const acc = { jb: 0, emitted: 0, decode: 0, decoded: 0, dropped: 0, ajb: 0, aemitted: 0, aconcealed: 0 };
  const n = (s: Record<string, unknown>, k: string) => (typeof s[k] === 'number' ? (s[k] as number) : 0);
  for (const s of stats) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      acc.ajb += n(s, 'jitterBufferDelay');
      acc.aemitted += n(s, 'jitterBufferEmittedCount');
      acc.aconcealed += n(s, 'concealedSamples');
    }
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
    acc.jb += n(s, 'jitterBufferDelay');
    acc.emitted += n(s, 'jitterBufferEmittedCount');
    acc.decode += n(s, 'totalDecodeTime');
    acc.decoded += n(s, 'framesDecoded');
    acc.dropped += n(s, 'framesDropped');
  }
  return acc;
}

const perFrame = (seconds: number, count: number) => (count > 0 ? (seconds / count) * 1000 : Number.NaN);

interface Publisher {
  proc: PublisherProcess;
  id: string;
  frames: FrameCollector;
  bursts: BurstDetector | null;
  /** Filled from the publisher's report once the run is over. */
  sentAt: Map<number, number>;
  burstsAt: number[];
}

interface Window {
  t0: number;
  t1: number;
}

function measure(p: Publisher, w: Window) {
  const frames = p.frames.frames.filter((f) => f.at >= w.t0 && f.at < w.t1);
  const latencies: number[] = [];
  const seen = new Set<number>();
  for (const f of frames) {
    if (f.stamp === null) continue;
    seen.add(f.stamp);
    const sent = p.sentAt.get(f.stamp);
    if (sent !== undefined) latencies.push(f.at - sent);
  }
  // Frames sent in the window (shifted by the median latency) that never arrived.
  const lag = pct(latencies, 50) || 0;
  let sentInWindow = 0;
  for (const [n, t] of p.sentAt) {
    if (t + lag >= w.t0 && t + lag < w.t1) {
      sentInWindow++;
      if (!seen.has(n)) seen.add(-1 - n);
    }
  }
  const received = [...seen].filter((n) => n >= 0).length;
  // A/V: latency of each marked frame vs latency of the tone burst sent with it (positive = audio leads).
  const offsets: number[] = [];
  const audio: number[] = [];
  if (p.bursts) {
    for (const f of frames) {
      if (f.stamp === null || f.stamp % MARK_EVERY !== 0) continue;
      const sent = p.sentAt.get(f.stamp);
      if (sent === undefined) continue;
      const burstSent = p.burstsAt.find((b) => Math.abs(b - sent) < 20);
      if (burstSent === undefined) continue;
      const onset = p.bursts.onsets.find((o) => o >= burstSent && o - burstSent < 800);
      if (onset === undefined) continue;
      offsets.push(f.at - sent - (onset - burstSent));
      audio.push(onset - burstSent);
    }
  }
  return {
    fps: frames.length / ((w.t1 - w.t0) / 1000),
    dropped: Math.max(0, sentInWindow - received),
    latencies,
    offsets,
    audio,
  };
}

async function runCount(
  n: number,
  seconds: number,
  mode: Mode,
  clip: string | undefined,
  processor?: string,
  identityId: string | null = null,
  noAudioSink = false,
  niceness = 0,
  publisherNiceness = 0,
  pool = n,
  root?: string,
) {
  // One warm agent per participant by default, as a server sized for N avatars would keep (AGENT_POOL_SIZE).
  const app = await startServer(pool, processor, niceness, { root, maxAgents: Math.max(4, n) });
  const viewer = await HeadlessClient.connect(app.url);
  await viewer.join({ room: 'bench', displayName: 'viewer' });
  const pubs: Publisher[] = [];
  const procs: PublisherProcess[] = [];
  const statuses = new Map<string, AgentStatus>();
  viewer.on('agentstatus', (s) => statuses.set(s.participantId, s));
  try {
    for (let i = 0; i < n; i++) {
      const proc = await startPublisher(app.url, `P${i}`, clip, publisherNiceness);
      procs.push(proc);
      const { id } = proc;
      const frames = new FrameCollector(await viewer.waitForTrack(id, 'video'), true);
      // --no-audio-sink: the viewer plays no audio, so libwebrtc does no A/V sync (isolates video latency).
      const bursts = noAudioSink ? null : new BurstDetector(await viewer.waitForTrack(id, 'audio'));
      pubs.push({ proc, id, frames, bursts, sentAt: new Map(), burstsAt: [] });
    }
    // Phase 1: raw path (baseline).
    await sleep(3000);
    const rawWin = { t0: performance.now(), t1: performance.now() + seconds * 500 };
    await sleep(seconds * 500);
    // Phase 2: mode on, wait for every processed track, settle, measure.
    const settingsAt = performance.now();
    await Promise.all(pubs.map((p) => p.proc.settings({ mode, identityId })));
    const t0 = Date.now();
    while (pubs.some((p) => viewer.participants.get(p.id)?.video !== 'processed')) {
      if (Date.now() - t0 > 180_000) throw new Error('processed tracks did not arrive in 180 s');
      await sleep(100);
    }
    await sleep(4000);
    const cpuStart = process.cpuUsage();
    // Agents are the server's grandchildren (through the spawner); warm spares are counted with them.
    const agentPids = processTree(app.pid).filter((pid) => pid !== app.pid);
    const agentCpuStart = agentPids.reduce<number>((s, pid) => s + cpuSeconds(pid), 0);
    const pubCpu = () => procs.reduce((s, p) => s + cpuSeconds(p.child.pid), 0);
    const pubCpuStart = pubCpu();
    const serverCpuStart = cpuSeconds(app.pid);
    const dropsStart = [...statuses.values()].reduce((s, x) => s + x.drops, 0);
    const enc0 = await Promise.all(pubs.map((p) => p.proc.encoded()));
    const rx0 = receiverStats(await viewer.getStats('subscribe'));
    const win = { t0: performance.now(), t1: performance.now() + seconds * 1000 };
    await sleep(seconds * 1000);
    const rx1 = receiverStats(await viewer.getStats('subscribe'));
    const enc1 = await Promise.all(pubs.map((p) => p.proc.encoded()));
    const serverStats = (await (await fetch(`${app.url}/stats`)).json()) as { eventLoopLagMs?: unknown };
    const cpu = process.cpuUsage(cpuStart);
    const publishersCpu = pubCpu() - pubCpuStart;
    const agentCpu = agentPids.reduce<number>((s, pid) => s + cpuSeconds(pid), 0) - agentCpuStart;
    const serverCpu = cpuSeconds(app.pid) - serverCpuStart;
    const dropsEnd = [...statuses.values()].reduce((s, x) => s + x.drops, 0);

    for (const p of pubs) Object.assign(p, await p.proc.report());
    const raw = pubs.map((p) => measure(p, rawWin));
    const on = pubs.map((p) => measure(p, win));
    const rawLat = raw.flatMap((m) => m.latencies);
    const onLat = on.flatMap((m) => m.latencies);
    const offsets = on.flatMap((m) => m.offsets);
    const audioLat = on.flatMap((m) => m.audio);
    const agentMs = [...statuses.values()].map((s) => s.ms);
    const cameraWidth = pubs[0]?.frames.frames[0]?.width;
    const firstAvatarMs = pubs.map((p) => {
      const f = p.frames.frames.find((x) => x.at > settingsAt && x.width !== cameraWidth);
      return f ? round(f.at - settingsAt) : null;
    });
    return {
      bench: 'call',
      participants: n,
      mode,
      processor: processor ?? 'passthrough',
      source: clip ? 'clip' : 'synthetic',
      seconds,
      warm_pool: pool,
      root: root ?? 'this copy',
      first_avatar_ms: firstAvatarMs,
      fps: round(on.reduce((s, m) => s + m.fps, 0) / n),
      fps_min: round(Math.min(...on.map((m) => m.fps))),
      // What each stand-in camera's own encoder produced in the window: the most its agent could get. Under 25,
      // the stand-in (a browser on its own machine in a deployment) was starved here, not the agent.
      camera_fps: enc1.map((e, i) => round((e - enc0[i]) / seconds)),
      dropped: on.reduce((s, m) => s + m.dropped, 0),
      agent_drops: dropsEnd - dropsStart,
      latency_ms: { p50: round(pct(onLat, 50)), p95: round(pct(onLat, 95)) },
      raw_latency_ms: {
        p50: round(pct(rawLat, 50)),
        p95: round(pct(rawLat, 95)),
        fps: round(raw.reduce((s, m) => s + m.fps, 0) / n),
        audio_p50: round(
          pct(
            raw.flatMap((m) => m.audio),
            50,
          ),
        ),
        av_offset_p50: round(
          pct(
            raw.flatMap((m) => m.offsets),
            50,
          ),
        ),
      },
      added_ms: {
        p50: round(pct(onLat, 50) - pct(rawLat, 50)),
        p95: round(pct(onLat, 95) - pct(rawLat, 95)),
      },
      agent_ms: round(agentMs.reduce((s, v) => s + v, 0) / Math.max(1, agentMs.length)),
      // The agents' own measure of the delay they add (frame loop, decode, encode, pacing): the rest of added_ms
      // is the way back (SFU, the viewer's jitter buffer and decode).
      agent_video_delay_ms: [...statuses.values()].map((s) => round(s.videoDelayMs ?? Number.NaN)),
      av_offset_ms: {
        p50: round(pct(offsets, 50)),
        max: round(Math.max(...offsets.map(Math.abs))),
        n: offsets.length,
      },
      audio_latency_ms: { p50: round(pct(audioLat, 50)), p95: round(pct(audioLat, 95)) },
      viewer_video: {
        jitter_buffer_ms: round(perFrame(rx1.jb - rx0.jb, rx1.emitted - rx0.emitted)),
        decode_ms: round(perFrame(rx1.decode - rx0.decode, rx1.decoded - rx0.decoded)),
        dropped_by_decoder: rx1.dropped - rx0.dropped,
      },
      viewer_audio: {
        jitter_buffer_ms: round(perFrame(rx1.ajb - rx0.ajb, rx1.aemitted - rx0.aemitted)),
        concealed_samples: rx1.aconcealed - rx0.aconcealed,
      },
      audio_delay_ms: round(
        [...statuses.values()].reduce((s, x) => s + (x.audioDelayMs ?? 0), 0) / Math.max(1, statuses.size),
      ),
      server_loop_lag_ms: serverStats.eventLoopLagMs ?? null,
      cpu: {
        server_pct: round((serverCpu / seconds) * 100),
        agents_pct: round((agentCpu / seconds) * 100),
        viewer_pct: round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
        publishers_pct: round((publishersCpu / seconds) * 100),
        note: 'percent of one core; server = HTTP + signaling + SFU (werift); publishers (VP8 encode) and viewer (decode, playout) are headless stand-ins for browsers, which a deployment runs on the users machines',
        cores: cpus().length,
        loadavg_1m: round(loadavg()[0], 2),
      },
    };
  } finally {
    for (const p of pubs) {
      p.frames.stop();
      p.bursts?.stop();
    }
    await Promise.all(procs.map((p) => p.close()));
    viewer.close();
    await app.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(arg(args, 'seconds') ?? 12);
  const counts = (arg(args, 'participants') ?? '1,2').split(',').map(Number);
  const mode = (arg(args, 'mode') ?? 'avatar') as Mode;
  const clipPath =
    arg(args, 'clip') ?? (fixturesAvailable() ? resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg') : undefined);
  for (const n of counts) {
    // A run that fails (a loaded machine) still says so on stdout, with what it was.
    const line = await runCount(
      n,
      seconds,
      mode,
      clipPath,
      arg(args, 'processor'),
      // Without an identity the real pipeline has nothing to draw: the avatar would be the grey stand-in.
      arg(args, 'identity') ?? (fixturesAvailable() ? 's0' : null),
      args.includes('--no-audio-sink'),
      Number(arg(args, 'agent-niceness') ?? 0),
      Number(arg(args, 'publisher-niceness') ?? 19),
      arg(args, 'pool') === undefined ? n : Number(arg(args, 'pool')),
      arg(args, 'root'),
    ).catch((e: Error) => ({
      bench: 'call',
      participants: n,
      failed: e.message,
      loadavg_1m: round(loadavg()[0], 2),
    }));
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  // wrtc threads keep the process alive; everything is closed by now.
  setTimeout(() => process.exit(0), 300);
}

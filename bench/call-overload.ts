// Overload benchmark: more avatar users than the cores carry at full rate (default 4 users and 2 viewers on this
// machine), the real pipeline in every agent, for minutes. What it checks is that the server degrades instead
// of restarting: agents lost or restarted (from the agent statuses every member hears), avatars paused (a
// user's video held after it was processed), the frame rate each user reaches at the viewers, the agents'
// stepped-down rates, and the memory of the server and its agents sampled through the run (flat, not growing).
// Prints one JSON line. Options: --users 4, --viewers 2, --seconds 120, --identity s0, --clip PATH (default
// fixtures d0), --agent-niceness N (default 10, as deployed), --publisher-niceness N (default 19), --pool N
// (warm agents, default 1), --max N (AGENT_MAX, default users).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { PIPELINE_PROCESSOR_MODULE } from '../src/inference/agent/pipeline-processor.ts';
import { FrameCollector } from '../src/probe/receiver.ts';
import { HeadlessClient } from '../src/signaling/headless-client.ts';
import type { AgentStatus, Participant } from '../src/signaling/protocol.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../src/util/paths.ts';
import { arg, pct, round, sleep } from './bench-helpers.ts';
import { type PublisherProcess, startPublisher, startServer } from './call.ts';
import { processTree } from './proc-cpu.ts';

/** Resident memory of a process, MB (0 when it is gone). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function run(args: string[]): Promise<void> {
  if (!fixturesAvailable()) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'call-overload', skipped: `no fixtures in ${FIXTURES_DIR}` })}\n`,
    );
    return;
  }
  const users = Number(arg(args, 'users') ?? 4);
  const viewersN = Number(arg(args, 'viewers') ?? 2);
  const seconds = Number(arg(args, 'seconds') ?? 120);
  const identityId = arg(args, 'identity') ?? 's0';
  const clip = arg(args, 'clip') ?? resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg');
  const app = await startServer(
    Number(arg(args, 'pool') ?? 1),
    PIPELINE_PROCESSOR_MODULE,
    Number(arg(args, 'agent-niceness') ?? 10),
    {
      maxAgents: Number(arg(args, 'max') ?? users),
    },
  );
  const viewers: HeadlessClient[] = [];
  const procs: PublisherProcess[] = [];
  const collectors: FrameCollector[] = [];
  const statuses: AgentStatus[] = [];
  const held = new Map<string, number>();
  try {
    for (let i = 0; i < viewersN; i++) {
      const v = await HeadlessClient.connect(app.url);
      await v.join({ room: 'bench', displayName: `viewer${i}` });
      viewers.push(v);
    }
    viewers[0].on('agentstatus', (s) => statuses.push({ ...s, at: performance.now() } as AgentStatus));
    for (let i = 0; i < users; i++)
      procs.push(await startPublisher(app.url, `U${i}`, clip, Number(arg(args, 'publisher-niceness') ?? 19)));
    // Every viewer decodes every user (as browsers would); the first one's frames are counted.
    const byUser = new Map<string, FrameCollector>();
    for (const v of viewers)
      for (const p of procs) {
        const c = new FrameCollector(await v.waitForTrack(p.id, 'video'));
        collectors.push(c);
        if (v === viewers[0]) byUser.set(p.id, c);
      }
    const t0 = performance.now();
    await Promise.all(procs.map((p) => p.settings({ mode: 'avatar', identityId })));
    const processed = () =>
      procs.filter((p) => viewers[0].participants.get(p.id)?.video === 'processed').length;
    while (processed() < users && performance.now() - t0 < 180_000) await sleep(200);
    const allServingMs = performance.now() - t0;
    // From here on an avatar that is held again (paused) counts.
    viewers[0].on('updated', (p: Participant) => {
      if (p.video === 'held') held.set(p.id, (held.get(p.id) ?? 0) + 1);
    });
    await sleep(5000);
    const statusesBefore = statuses.length;
    const memory: Array<{ t: number; mb: number }> = [];
    const sample = () =>
      memory.push({
        t: Math.round((performance.now() - t0) / 1000),
        mb: round(processTree(app.pid).reduce((s, pid) => s + rssMb(pid), 0)) ?? 0,
      });
    const w0 = performance.now();
    sample();
    while (performance.now() - w0 < seconds * 1000) {
      await sleep(10_000);
      sample();
    }
    const w1 = performance.now();
    const during = statuses.slice(statusesBefore);
    const lost = during.filter(
      (s) => s.state === 'fallback-held' || s.state === 'fallback-camera' || s.state === 'error',
    );
    const fps = procs.map((p) => {
      const frames = (byUser.get(p.id)?.frames ?? []).filter((f) => f.at >= w0 && f.at < w1);
      return round(frames.length / ((w1 - w0) / 1000));
    });
    const agentFps = procs.map((p) => during.filter((s) => s.participantId === p.id).map((s) => s.fps));
    const busy = during.filter((s) => s.state === 'busy').length;
    const line = {
      bench: 'call-overload',
      users,
      viewers: viewersN,
      seconds,
      all_serving_ms: round(allServingMs),
      fps_at_viewer: fps,
      fps_min: Math.min(...fps.map((f) => f ?? 0)),
      agent_fps_p50: agentFps.map((f) => round(pct(f, 50))),
      agent_states_busy_share: round(busy / Math.max(1, during.length), 2),
      agents_lost: lost.length,
      lost_messages: [...new Set(lost.map((s) => s.message))].slice(0, 5),
      avatars_paused: [...held.values()].reduce((s, n) => s + n, 0),
      memory_mb: memory,
      memory_growth_mb: round(memory[memory.length - 1].mb - memory[0].mb),
      cores: cpus().length,
      loadavg_1m: round(loadavg()[0], 2),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    for (const c of collectors) c.stop();
    await Promise.all(procs.map((p) => p.close()));
    for (const v of viewers) v.close();
    await app.stop();
    setTimeout(() => process.exit(0), 300);
  }
}

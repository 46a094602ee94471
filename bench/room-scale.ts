// Room-scale benchmark: N participants in one room (werift peers driven through the SFU interface, P of them
// publishing synthetic audio+video), then C join/leave cycles of one more publisher. Reports open file
// descriptors (start, full, after churn, after everyone left), the most subscribe m-lines any participant saw
// against 2 x present publishers, event-loop lag, and (the room inside a real call server) /stats latency as
// another process sees it, per phase. The churn stops at --max-seconds (default 240) so the run ends in bounded
// time on a loaded 2-core machine: `cycles_done` says how many ran. One JSON line.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openFds, RoomDriver } from '../src/probe/room-driver.ts';
import { startApp } from '../src/server/app.ts';
import { StatsPoller } from './stats-poller.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const ms = (ns: number) => Number((ns / 1e6).toFixed(1));

export async function run(args: string[]): Promise<void> {
  const n = arg(args, 'participants', 50);
  const publishers = Math.min(n, arg(args, 'publishers', 10));
  const cycles = arg(args, 'cycles', 500);
  const settleEvery = arg(args, 'settle-every', 10);
  const pps = arg(args, 'pps', 5);
  const maxSeconds = arg(args, 'max-seconds', 240);
  // The room lives in a real call server (room for the churner on top of the n who stay), polled from outside.
  const app = await startApp({ port: 0, host: '127.0.0.1', sfu: { maxParticipants: n + 1 } });
  const poller = new StatsPoller(`${app.url}/stats`, 250);
  const room = app.sfu.createRoom('scale');
  const driver = new RoomDriver(room);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const fdStart = openFds();
  const t0 = Date.now();
  const phases: Record<string, [number, number]> = {};
  for (let i = 0; i < n; i++) await driver.join(`p${i}`, i < publishers, pps);
  const settledFull = await driver.settle(120_000);
  const fdFull = openFds();
  const mLinesFull = driver.maxMLines();
  const joinS = (Date.now() - t0) / 1000;
  const lagJoin = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
  phases.join = [t0, Date.now()];
  // Steady state: the full room forwarding, nobody joining or leaving.
  lag.reset();
  await new Promise((r) => setTimeout(r, arg(args, 'steady-seconds', 10) * 1000));
  const lagSteady = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
  phases.steady = [phases.join[1], Date.now()];
  lag.reset();
  const churnStart = Date.now();
  let cyclesDone = 0;
  let maxMLines = mLinesFull;
  let maxOverBound = 0;
  const fdAtSettle: number[] = [];
  let unsettled = 0;
  for (let c = 0; c < cycles; c++) {
    const id = `churn${c}`;
    await driver.join(id, true, pps);
    await driver.leave(id);
    cyclesDone = c + 1;
    const outOfTime = Date.now() - churnStart > maxSeconds * 1000;
    if ((c + 1) % settleEvery === 0 || c === cycles - 1 || outOfTime) {
      if (!(await driver.settle(60_000))) unsettled++;
      fdAtSettle.push(openFds());
      maxMLines = Math.max(maxMLines, driver.maxMLines());
      maxOverBound = Math.max(maxOverBound, driver.maxMLines() - 2 * driver.publishers());
    }
    if (outOfTime) break;
  }
  phases.churn = [churnStart, Date.now()];
  const fdAfterChurn = openFds();
  const lagHist = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
  poller.stop();
  const statsMs = Object.fromEntries(Object.entries(phases).map(([k, [a, b]]) => [k, poller.between(a, b)]));
  await driver.close();
  room.close();
  await app.close();
  await new Promise((r) => setTimeout(r, 500));
  const fdEnd = openFds();
  lag.disable();
  const line = {
    bench: 'room-scale',
    participants: n,
    publishers,
    cycles,
    cycles_done: cyclesDone,
    churn_s: Number(((phases.churn[1] - phases.churn[0]) / 1000).toFixed(1)),
    settled_full: settledFull,
    unsettled_checkpoints: unsettled,
    join_s: Number(joinS.toFixed(1)),
    fd_start: fdStart,
    fd_full: fdFull,
    fd_after_churn: fdAfterChurn,
    fd_churn_min: Math.min(...fdAtSettle),
    fd_churn_max: Math.max(...fdAtSettle),
    fd_end: fdEnd,
    m_lines_full: mLinesFull,
    m_lines_max: maxMLines,
    m_lines_bound: 2 * publishers,
    m_lines_over_bound_max: maxOverBound,
    loop_lag_ms: { join: lagJoin, steady: lagSteady, churn: lagHist },
    stats_latency_ms: statsMs,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// Soak benchmark: N rooms x M headless werift peers driven through the SFU interface (P per room publish
// synthetic audio+video at --pps packets a second per kind), one participant per room leaving and another
// joining every --churn seconds, for --minutes (default 10). Reports crashes (uncaught exceptions and
// unhandled rejections, counted instead of fatal here), RSS and descriptor growth after the warm-up, CPU per
// forwarded stream and event-loop lag. The clients run in this process, so CPU per stream is an upper bound
// for the SFU. One JSON line per sample (--sample seconds) and a final summary line.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSfu } from '../src/media/index.ts';
import { openFds, RoomDriver } from '../src/probe/room-driver.ts';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const mb = (b: number) => Math.round(b / 1048576);

/** A full collection before each memory figure: growth, not garbage not yet collected (works without
 * --expose-gc on the command line). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
const ms = (ns: number) => Number((ns / 1e6).toFixed(1));

export async function run(args: string[]): Promise<void> {
  const rooms = arg(args, 'rooms', 4);
  const peers = arg(args, 'peers', 6);
  const publishers = Math.min(peers, arg(args, 'publishers', 2));
  const minutes = arg(args, 'minutes', 10);
  const churnS = arg(args, 'churn', 5);
  const sampleS = arg(args, 'sample', 30);
  const pps = arg(args, 'pps', 25);
  let crashes = 0;
  const onCrash = (e: unknown) => {
    crashes++;
    process.stderr.write(`soak: crash ${(e as Error)?.stack ?? e}\n`);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const sfu = createSfu();
  const drivers: RoomDriver[] = [];
  let failures = 0;
  let seq = 0;
  for (let r = 0; r < rooms; r++) {
    const driver = new RoomDriver(sfu.createRoom(`soak${r}`));
    drivers.push(driver);
    for (let i = 0; i < peers; i++) await driver.join(`r${r}-${seq++}`, i < publishers, pps);
  }
  for (const d of drivers) await d.settle(60_000);
  for (const room of sfu.rooms()) {
    for (const p of room.peers()) p.on('transportfailed', () => failures++);
  }
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  collect();
  const base = { rss: process.memoryUsage().rss, fds: openFds(), cpu: process.cpuUsage(), at: Date.now() };
  let maxRss = base.rss;
  let maxFds = base.fds;
  let churns = 0;
  const churner = setInterval(() => {
    for (const d of drivers) {
      // The oldest participant leaves; a newcomer takes its role (publisher or not).
      const [oldest] = d.participants.keys();
      if (!oldest) continue;
      const publishes = d.isPublisher(oldest);
      void d
        .leave(oldest)
        .then(() => d.join(`${d.room.id}-${seq++}`, publishes, pps))
        .then((p) => p.peer.on('transportfailed', () => failures++))
        .catch(onCrash);
      churns++;
    }
  }, churnS * 1000);
  const end = Date.now() + minutes * 60_000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(sampleS * 1000, Math.max(0, end - Date.now()))));
    collect();
    const { rss, heapUsed } = process.memoryUsage();
    const fds = openFds();
    maxRss = Math.max(maxRss, rss);
    maxFds = Math.max(maxFds, fds);
    const line = {
      bench: 'soak',
      sample: true,
      t_s: Math.round((Date.now() - base.at) / 1000),
      rss_mb: mb(rss),
      heap_mb: mb(heapUsed),
      fds,
      churns,
      lag_p99_ms: ms(lag.percentile(99)),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  clearInterval(churner);
  // Let the last churn finish before the final figures.
  for (const d of drivers) await d.settle(30_000);
  const wallS = (Date.now() - base.at) / 1000;
  const cpu = process.cpuUsage(base.cpu);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // Streams forwarded: each publisher's audio and video to each other participant of its room.
  const streams = rooms * publishers * (peers - 1) * 2;
  let packetsOut = 0;
  for (const room of sfu.rooms()) for (const p of room.peers()) packetsOut += p.stats().packetsOut;
  const fdsEnd = openFds();
  collect();
  const rssEnd = process.memoryUsage().rss;
  const summary = {
    bench: 'soak',
    rooms,
    peers_per_room: peers,
    publishers_per_room: publishers,
    pps_per_kind: pps,
    minutes,
    churn_every_s: churnS,
    churns,
    crashes,
    transport_failures: failures,
    streams,
    rss_mb: { start: mb(base.rss), end: mb(rssEnd), max: mb(maxRss), growth: mb(rssEnd - base.rss) },
    fds: { start: base.fds, end: fdsEnd, max: maxFds, growth: fdsEnd - base.fds },
    cpu_percent: Number(((cpuS / wallS) * 100).toFixed(1)),
    cpu_ms_per_s_per_stream: Number(((cpuS * 1000) / wallS / streams).toFixed(3)),
    packets_out_now_peers: packetsOut,
    loop_lag_ms: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) },
  };
  lag.disable();
  for (const d of drivers) await d.close();
  sfu.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  // werift's RTCP timers outlive closed connections by seconds: the figures are out, do not wait for them.
  process.exit(crashes === 0 ? 0 : 1);
}

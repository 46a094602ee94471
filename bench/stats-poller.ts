// An outside view of a server's responsiveness: a child process that GETs a URL every `everyMs` and prints one
// line per answer (`<start epoch ms> <latency ms> <status>`), until it is killed. Started by the room-scale bench
// so /stats latency is measured by a process whose own loop is idle, not by the loaded one.
import { type ChildProcess, spawn } from 'node:child_process';

export interface PollerSample {
  at: number;
  ms: number;
  status: number;
}

const CHILD = `
const [url, every] = [process.argv[1], Number(process.argv[2])];
const tick = async () => {
  const t0 = Date.now();
  const p0 = performance.now();
  let status = 0;
  try { const r = await fetch(url); await r.arrayBuffer(); status = r.status; } catch {}
  process.stdout.write(t0 + ' ' + (performance.now() - p0).toFixed(1) + ' ' + status + '\\n');
  setTimeout(tick, Math.max(0, every - (Date.now() - t0)));
};
tick();
`;

export class StatsPoller {
  readonly samples: PollerSample[] = [];
  #child: ChildProcess;
  #buf = '';

  constructor(url: string, everyMs = 250) {
    this.#child = spawn(process.execPath, ['-e', CHILD, url, String(everyMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.#child.stdout?.on('data', (d: Buffer) => {
      this.#buf += d.toString();
      const lines = this.#buf.split('\n');
      this.#buf = lines.pop() ?? '';
      for (const l of lines) {
        const [at, ms, status] = l.split(' ').map(Number);
        this.samples.push({ at, ms, status });
      }
    });
  }

  /** p50 / p99 / max latency of the answers that started in [from, to). */
  between(from: number, to: number): { n: number; p50: number; p99: number; max: number } {
    const ms = this.samples
      .filter((s) => s.at >= from && s.at < to)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    const q = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] : 0);
    return { n: ms.length, p50: q(0.5), p99: q(0.99), max: ms.at(-1) ?? 0 };
  }

  stop(): void {
    this.#child.kill();
  }
}

// Inference workers (and server nodes) as real child processes for the scale tests and bench: each prints one
// line when it is ready; `stop` ends it (SIGTERM, then SIGKILL) and is safe to call twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
export const MARKER_PROCESSOR = resolve(ROOT, 'test', 'agent', 'marker-processor.ts');

export interface Proc {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line matching `re` (rejects when the process exits first). */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** `prefix`: a command the node process runs under (e.g. `ip netns exec NAME`, which execs it in place). */
export function startProc(
  script: string,
  args: string[],
  env: Record<string, string>,
  prefix: string[] = [],
): Proc {
  const cmd = [...prefix, process.execPath, '--import', 'tsx', resolve(ROOT, script), ...args];
  const child = spawn(cmd[0], cmd.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters = new Set<(l: string) => void>();
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      for (const w of [...waiters]) w(l);
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines,
    line(re, timeoutMs = 60_000) {
      const hit = lines.map((l) => l.match(re)).find(Boolean);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => done(new Error(`${script}: no line ${re} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const onExit = () => done(new Error(`${script} exited before printing ${re}`));
        const w = (l: string) => {
          const m = l.match(re);
          if (m) done(null, m);
        };
        function done(e: Error | null, m?: RegExpMatchArray) {
          clearTimeout(t);
          waiters.delete(w);
          child.off('exit', onExit);
          if (e) reject(e);
          else resolve(m as RegExpMatchArray);
        }
        waiters.add(w);
        child.once('exit', onExit);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A worker process with the marker processor and no warm pool (cold starts keep the idle CPU free). */
export function startWorker(
  serverUrl: string,
  id: string,
  token: string,
  capacity = 2,
  prefix: string[] = [],
): Proc {
  return startProc(
    'src/cli/worker.ts',
    ['--server', serverUrl, '--token', token, '--capacity', String(capacity), '--id', id],
    {
      AGENT_PROCESSOR_MODULE: MARKER_PROCESSOR,
      AGENT_POOL_SIZE: '0',
    },
    prefix,
  );
}

/** A server node on Redis (remote agents, a free loopback port); `nodeUrl` waits for it to listen. */
export function startNode(redisUrl: string, env: Record<string, string> = {}): Proc {
  return startProc('src/cli/start.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    AGENT_WORKERS: 'remote',
    STATS_TOKEN: NODE_STATS_TOKEN,
    ...env,
  });
}

/** The operator token of nodes from startNode: /stats names rooms and jobs only to its holder. */
export const NODE_STATS_TOKEN = 'node-stats-token-for-tests';

/** A node's full /stats (as its operator sees it). */
export async function nodeStats<T>(url: string): Promise<T> {
  const res = await fetch(`${url}/stats`, { headers: { authorization: `Bearer ${NODE_STATS_TOKEN}` } });
  return (await res.json()) as T;
}

export async function nodeUrl(node: Proc): Promise<string> {
  return (await node.line(/call server: (\S+?)\/? /))[1];
}

/** A worker on the Redis agent queue with no warm pool; it prints `registered` once it takes jobs. */
export function startQueueWorker(
  redisUrl: string,
  id: string,
  capacity: number,
  processor = MARKER_PROCESSOR,
  env: Record<string, string> = {},
): Proc {
  return startProc('src/cli/worker.ts', ['--redis', redisUrl, '--capacity', String(capacity), '--id', id], {
    AGENT_PROCESSOR_MODULE: processor,
    AGENT_POOL_SIZE: '0',
    ...env,
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

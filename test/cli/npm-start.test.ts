// `npm start` as a service manager runs it: a signal to npm ends the whole tree (server, agent spawner, warm
// agent) and frees the port; nothing is left re-parented to init.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { until } from '../media/helpers.ts';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(status(pid));
const status = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

/** Every descendant of pid (Linux /proc children lists). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const tasks = existsSync(`/proc/${pid}/task`)
    ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    : '';
  for (const c of tasks.split(/\s+/).filter(Boolean).map(Number)) out.push(c, ...descendants(c));
  return out;
}

/** Free when a listener can take the port. */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe.skipIf(process.platform !== 'linux')('npm start and signals', () => {
  let npm: ChildProcess | null = null;
  let dir = '';
  afterEach(() => {
    if (npm?.exitCode === null) npm.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `npm start`; withPrestart false skips the client build (`--ignore-scripts` still runs start itself). */
  async function startNpm(withPrestart: boolean): Promise<{ port: number; tree: number[] }> {
    dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const proc = spawn('npm', withPrestart ? ['start'] : ['start', '--ignore-scripts'], {
      cwd: PROJECT_ROOT,
      // A warm agent that loads no models (passthrough), so the whole tree exists within seconds.
      env: {
        ...process.env,
        PORT: '0',
        AGENT_POOL_SIZE: '1',
        AGENT_PROCESSOR_MODULE: 'passthrough',
        IDENTITY_DIR: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm = proc;
    let out = '';
    proc.stderr?.on('data', (d) => (out += d));
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout?.on('data', (d) => {
        out += d;
        const m = /gazecam call server: http:\/\/[^\s/]+:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const pid = proc.pid as number;
    // The server, its agent spawner and the warm agent.
    await until(
      () => descendants(pid).some((p) => cmdline(p).includes('cli/agent.ts')),
      'the warm agent',
      30_000,
    );
    const tree = descendants(pid);
    expect(tree.some((p) => cmdline(p).includes('cli/start.ts'))).toBe(true);
    expect(tree.some((p) => cmdline(p).includes('agent/spawner.ts'))).toBe(true);
    return { port, tree };
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} to npm ends the server, the spawner and the agent, and frees the port`, async () => {
      const { port, tree } = await startNpm(signal === 'SIGTERM');
      const proc = npm as ChildProcess;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
      await until(() => tree.every((p) => !alive(p)), `the tree of npm start to exit (${signal})`, 15_000);
      expect(tree.filter(alive).map(cmdline)).toEqual([]);
      expect(await portFree(port)).toBe(true);
    }, 90_000);
  }
});

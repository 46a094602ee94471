// The agent launcher's own lifecycle: warm pool, spawner, close. Launching into a call is in agent-call.test.ts.
import { describe, expect, it } from 'vitest';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import type { AgentCost } from '../../src/signaling/agents.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { until } from '../media/helpers.ts';

if (!fixturesAvailable()) console.warn(`launcher cost test skipped: fixtures not found at ${FIXTURES_DIR}`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Process exits are given the same 20 s everywhere in this file. */
const EXIT_MS = 20_000;

describe('ProcessAgentLauncher', () => {
  it('keeps warm agents ready, at a lower CPU priority, and close() ends them and is idempotent', async () => {
    const launcher = new ProcessAgentLauncher({ poolSize: 2, niceness: 10, processorModule: 'passthrough' });
    await launcher.warmUp(60_000);
    const pids = launcher.poolPids();
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    // /proc/<pid>/stat field 19 is the nice value (Linux).
    const { readFileSync, existsSync } = await import('node:fs');
    if (existsSync(`/proc/${pids[0]}/stat`) && existsSync('/usr/bin/nice')) {
      const stat = readFileSync(`/proc/${pids[0]}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[16])).toBe(10);
    }
    expect(launcher.handles.size).toBe(0); // warm agents are not running agents
    launcher.close();
    launcher.close();
    await until(() => pids.every((p) => !alive(p)), 'warm agents to exit', EXIT_MS);
    expect(launcher.poolPids()).toHaveLength(0);
  }, 90_000);

  it('a dead spawner ends the warm agents it started, and the launcher stays usable', async () => {
    const launcher = new ProcessAgentLauncher({ poolSize: 1, processorModule: 'passthrough' });
    await launcher.warmUp(60_000);
    const [pid] = launcher.poolPids();
    const spawner = launcher.spawnerPid as number;
    expect(alive(spawner)).toBe(true);
    process.kill(spawner, 'SIGKILL');
    await until(() => launcher.poolPids().length === 0, 'the pool to be emptied', EXIT_MS);
    await until(() => !alive(pid), 'the orphaned warm agent to exit', EXIT_MS);
    expect(launcher.spawnerPid).toBeUndefined();
    launcher.close();
  }, 90_000);

  it('poolSize 0 starts no agent until one is launched', async () => {
    const launcher = new ProcessAgentLauncher({ poolSize: 0, processorModule: 'passthrough' });
    await launcher.warmUp(1000);
    expect(launcher.poolPids()).toHaveLength(0);
    launcher.close();
  });

  it.skipIf(!fixturesAvailable())(
    'the first warm agent times the pipeline on this machine (fixtures)',
    async () => {
      const launcher = new ProcessAgentLauncher({ poolSize: 1 });
      try {
        const cost = await new Promise<AgentCost>((resolve) => launcher.onCost(resolve));
        expect(cost.frames).toBeGreaterThanOrEqual(5);
        expect(cost.cpuMsPerFrame).toBeGreaterThan(0);
        expect(cost.wallMsPerFrame).toBeGreaterThan(0);
        expect(cost.what).toMatch(/^avatar \d+ on d3\.mjpeg/);
        expect(launcher.cost).toEqual(cost);
        // Measured once: a later listener gets the same figure at once.
        let again: AgentCost | null = null;
        launcher.onCost((c) => {
          again = c;
        });
        expect(again).toEqual(cost);
      } finally {
        launcher.close();
      }
    },
    180_000,
  );
});

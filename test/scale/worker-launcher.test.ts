// Where AGENT_WORKERS sends a launch: a worker when one has room; with none, `auto` runs the agent here and
// `remote` hands back an agent that has already exited (the supervisor holds the avatar and retries).
import { describe, expect, it } from 'vitest';
import { type JobInfo, type RemoteAgents, WorkerAgentLauncher } from '../../src/scale/worker-launcher.ts';
import type { AgentHandle, AgentLauncher, AgentLaunchOptions } from '../../src/signaling/agents.ts';
import { TypedEmitter } from '../../src/util/typed-emitter.ts';

class Handle extends TypedEmitter<{ exit: [number | null, string | null] }> implements AgentHandle {
  readonly pid = 1;
  readonly exited = false;
  constructor(readonly where: string) {
    super();
  }
  close(): void {}
  kill(): void {}
}

const options = {
  serverUrl: 'http://127.0.0.1:1',
  room: 'r',
  forParticipantId: 'p',
  token: 't',
  settings: { mode: 'avatar', identityId: null, sketch: false },
} as unknown as AgentLaunchOptions;

function remote(room: boolean): RemoteAgents & { calls: boolean[] } {
  const calls: boolean[] = [];
  return {
    calls,
    start: (_o, mustPlace) => {
      calls.push(mustPlace);
      return room ? new Handle('worker') : null;
    },
    jobs: (): JobInfo[] => [],
  };
}
const local: AgentLauncher = { launch: () => new Handle('local') };

describe('WorkerAgentLauncher', () => {
  it('remote and auto prefer a worker with room; local never asks one', () => {
    for (const mode of ['remote', 'auto'] as const) {
      const r = remote(true);
      expect((new WorkerAgentLauncher(r, mode, local).launch(options) as Handle).where).toBe('worker');
      expect(r.calls).toEqual([mode === 'remote']);
    }
    const r = remote(true);
    expect((new WorkerAgentLauncher(r, 'local', local).launch(options) as Handle).where).toBe('local');
    expect(r.calls).toEqual([]);
  });

  it('no worker with room: auto runs it here, remote gives an agent that exits at once', async () => {
    expect((new WorkerAgentLauncher(remote(false), 'auto', local).launch(options) as Handle).where).toBe(
      'local',
    );
    const h = new WorkerAgentLauncher(remote(false), 'remote', local).launch(options);
    const exit = await new Promise<[number | null, string | null]>((r) => h.on('exit', (...a) => r(a)));
    expect(exit).toEqual([null, 'NO_WORKER']);
    expect(h.exited).toBe(true);
  });
});

// The pid of a just-launched agent: the spawner reports it a moment after the launch, and the handle has no
// event for it, so it is polled briefly. Null when the agent exits first.
import type { AgentHandle } from '../signaling/agents.ts';

const POLL_MS = 50;

export function agentPid(handle: AgentHandle): Promise<number | null> {
  if (handle.pid) return Promise.resolve(handle.pid);
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (!handle.pid && !handle.exited) return;
      clearInterval(t);
      resolve(handle.pid ?? null);
    }, POLL_MS);
    t.unref();
  });
}

// Entry of the agent spawner: a small process that starts agent processes on the server's behalf. A fork copies
// the parent's page tables; done by the server (the SFU, wrtc threads, hundreds of MB mapped) it froze every
// thread there for ~35 ms per agent, enough to disturb the audio of everyone in the call. The spawner is small,
// so its forks are cheap, and the SFU process never forks once it runs. Messages: see spawner-protocol.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import type { AgentMessage, SpawnerReply, SpawnerRequest } from './spawner-protocol.ts';

const KILL_AFTER_MS = 3000;
const children = new Map<number, ChildProcess>();

function reply(m: SpawnerReply): void {
  if (process.connected) process.send?.(m);
}

function start(m: Extract<SpawnerRequest, { t: 'spawn' }>): void {
  const child = spawn(m.cmd, m.args, {
    cwd: m.cwd,
    env: m.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.set(m.id, child);
  child.once('spawn', () => reply({ t: 'spawned', id: m.id, pid: child.pid ?? -1 }));
  child.on('message', (msg: AgentMessage) => {
    if (msg?.t === 'warm') reply({ t: 'warm', id: m.id, cost: msg.cost });
    else if (msg?.t === 'beat') reply({ t: 'beat', id: m.id, beat: msg.beat });
  });
  child.once('error', (e) => {
    children.delete(m.id);
    reply({ t: 'exit', id: m.id, code: null, signal: null, error: e.message });
  });
  child.once('exit', (code, signal) => {
    children.delete(m.id);
    reply({ t: 'exit', id: m.id, code, signal });
  });
}

process.on('message', (m: SpawnerRequest) => {
  if (m.t === 'spawn') start(m);
  else if (m.t === 'kill') children.get(m.id)?.kill(m.signal);
  else if (m.t === 'assign') children.get(m.id)?.send({ t: 'assign', cfg: m.cfg });
});

// The server is gone: stop every agent (they close their tracks first), then leave.
process.on('disconnect', () => {
  for (const c of children.values()) c.kill('SIGTERM');
  const deadline = Date.now() + KILL_AFTER_MS;
  setInterval(() => {
    if (children.size === 0) process.exit(0);
    if (Date.now() > deadline) {
      for (const c of children.values()) c.kill('SIGKILL');
      process.exit(0);
    }
  }, 50);
});

reply({ t: 'ready' });

// The AgentSupervisor against the Sfu and AgentLauncher interfaces (in-memory implementations, no WebRTC):
// caps, one process per participant, avatar failing closed through start, loss, watchdog and give-up.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentSupervisor } from '../../src/signaling/agent-supervisor.ts';
import type { AgentStatus, Mode, Settings } from '../../src/signaling/protocol.ts';
import type { AgentSubject } from '../../src/signaling/supervised-agent.ts';
import { holdSourceId } from '../../src/signaling/video-route.ts';
import { isAppError } from '../../src/util/errors.ts';
import { until } from '../media/helpers.ts';
import { FakeLauncher, FakeRoom } from './fakes.ts';

const supervisors: AgentSupervisor[] = [];
afterEach(() => {
  for (const s of supervisors.splice(0)) s.close();
});

function setup(opts: { max?: number; maxRestarts?: number; startTimeoutMs?: number } = {}) {
  const launcher = new FakeLauncher();
  const sup = new AgentSupervisor({
    launcher,
    serverUrl: () => 'http://127.0.0.1:1',
    maxAgents: opts.max ?? 4,
    watchdogMs: 200,
    startTimeoutMs: opts.startTimeoutMs ?? 60_000,
    maxRestarts: opts.maxRestarts ?? 3,
    restartDelayMs: 10,
    stableMs: 60_000,
  });
  supervisors.push(sup);
  const room = new FakeRoom('r');
  const statuses: AgentStatus[] = [];
  const subject = (pid: string, mode: Mode): AgentSubject & { settingsNow: Required<Settings> } => {
    room.getPeer(pid) ?? room.createPeer(pid);
    const s = {
      sfuRoom: room,
      roomName: 'r',
      participantId: pid,
      settingsNow: { mode, identityId: null, debugSketch: false } as Required<Settings>,
      settings: () => s.settingsNow,
      onStatus: (st: AgentStatus) => statuses.push(st),
      removeAgentPeer: (id: string) => room.getPeer(id)?.close(),
    };
    return s;
  };
  /** The launched agent "joins", publishes video and reports its mode (its keyframe commits the switch). */
  const joinAgent = (pid: string, n: number) => {
    const agent = sup.get('r', pid);
    const handle = launcher.launched[n];
    expect(agent?.accepts(handle.options.token)).toBe(true);
    const peer = room.createPeer(`agent-${n}`);
    agent?.attach(peer);
    peer.produce('video');
    report(pid, peer.id, handle.options.settings.mode);
    room.keyframe(peer.id);
    return { peer, handle };
  };
  const report = (pid: string, peerId: string, mode: Mode) =>
    sup.get('r', pid)?.report(peerId, { participantId: pid, state: 'ok', fps: 25, drops: 0, ms: 5, mode });
  return { sup, launcher, room, statuses, subject, joinAgent, report };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isAppError(e) ? e.code : 'not an AppError';
  }
  return undefined;
}

describe('AgentSupervisor', () => {
  it('caps agents per server: refusals are coded AGENT_LIMIT and launch nothing', () => {
    const { sup, launcher, subject } = setup({ max: 2 });
    sup.ensure(subject('p1', 'eyes'));
    sup.ensure(subject('p2', 'eyes'));
    expect(codeOf(() => sup.ensure(subject('p3', 'eyes')))).toBe('AGENT_LIMIT');
    expect(codeOf(() => sup.ensure(subject('p4', 'avatar')))).toBe('AGENT_LIMIT');
    expect(launcher.launched).toHaveLength(2);
    // A released agent keeps its place until its process has exited.
    sup.release('r', 'p1');
    expect(codeOf(() => sup.ensure(subject('p3', 'eyes')))).toBe('AGENT_LIMIT');
    launcher.launched[0].exit(0);
    sup.ensure(subject('p3', 'eyes'));
    expect(launcher.launched).toHaveLength(3);
  });

  it('one process per participant: turning a mode on again waits for the previous process to exit', () => {
    const { sup, launcher, subject } = setup();
    const s = subject('p1', 'eyes');
    sup.ensure(s);
    sup.ensure(s); // settings change: same agent
    expect(launcher.launched).toHaveLength(1);
    sup.release('r', 'p1');
    expect(launcher.launched[0].closeCalls).toBe(1);
    sup.ensure(s);
    expect(launcher.running()).toHaveLength(1);
    expect(launcher.launched).toHaveLength(1);
    launcher.launched[0].exit(0);
    expect(launcher.launched).toHaveLength(2);
    expect(launcher.running()).toHaveLength(1);
  });

  it('without a launcher answers AGENT_UNAVAILABLE', () => {
    const sup = new AgentSupervisor({ serverUrl: () => '' });
    supervisors.push(sup);
    const room = new FakeRoom('r');
    room.createPeer('p1');
    const subject: AgentSubject = {
      sfuRoom: room,
      roomName: 'r',
      participantId: 'p1',
      settings: () => ({ mode: 'eyes', identityId: null, debugSketch: false }),
      onStatus: () => undefined,
      removeAgentPeer: () => undefined,
    };
    expect(codeOf(() => sup.ensure(subject))).toBe('AGENT_UNAVAILABLE');
  });

  it('avatar mode: held while starting, agent when serving, held (never the camera) when the agent is lost', async () => {
    const { sup, launcher, room, statuses, subject, joinAgent } = setup();
    sup.ensure(subject('p1', 'avatar'));
    const hold = holdSourceId('p1');
    expect(room.currentSource('p1')).toBe(hold);
    const { peer } = joinAgent('p1', 0);
    expect(room.currentSource('p1')).toBe(peer.id);
    // The agent's peer closes (its process died): the SFU's own fallback would be the camera.
    launcher.launched[0].exit(null, 'SIGKILL');
    peer.close();
    expect(room.currentSource('p1')).toBe(hold);
    expect(room.routeLog.filter(([pid, src]) => pid === 'p1' && src === null)).toEqual([]);
    expect(statuses.at(-1)?.state).toBe('fallback-held');
    // Restarted by itself after the back-off; held until the new one serves.
    await until(() => launcher.launched.length === 2, 'a restart');
    expect(room.currentSource('p1')).toBe(hold);
    joinAgent('p1', 1);
    expect(room.currentSource('p1')).toBe('agent-1');
    // Every committed source for p1 after avatar mode went on: the hold or an agent, never p1 itself.
    expect(room.routeLog.every(([, src]) => src !== null)).toBe(true);
  });

  it('eye contact -> avatar: held until the agent reports avatar output (its own face may still be in flight)', () => {
    const { sup, room, subject, joinAgent, report } = setup();
    const s = subject('p1', 'eyes');
    sup.ensure(s);
    const { peer } = joinAgent('p1', 0);
    expect(room.currentSource('p1')).toBe(peer.id);
    s.settingsNow = { ...s.settingsNow, mode: 'both' };
    sup.ensure(s);
    expect(room.currentSource('p1')).toBe(holdSourceId('p1'));
    report('p1', peer.id, 'eyes'); // a report from before the switch
    expect(room.currentSource('p1')).toBe(holdSourceId('p1'));
    report('p1', peer.id, 'both');
    room.keyframe(peer.id);
    expect(room.currentSource('p1')).toBe(peer.id);
  });

  it('eye contact falls back to the camera while its agent restarts', async () => {
    const { sup, launcher, room, statuses, subject, joinAgent } = setup();
    sup.ensure(subject('p1', 'eyes'));
    expect(room.currentSource('p1')).toBe('p1');
    joinAgent('p1', 0);
    launcher.launched[0].exit(1);
    expect(room.currentSource('p1')).toBe('p1');
    expect(statuses.at(-1)?.state).toBe('fallback-camera');
    await until(() => launcher.launched.length === 2, 'a restart');
  });

  it('watchdog: an agent silent while the camera sends is killed and replaced; an idle camera is not a fault', async () => {
    const { sup, launcher, room, statuses, subject, joinAgent } = setup();
    sup.ensure(subject('p1', 'avatar'));
    const { peer, handle } = joinAgent('p1', 0);
    const camera = room.getPeer('p1');
    if (!camera) throw new Error('no camera peer');
    // Both idle: nothing happens.
    await new Promise((r) => setTimeout(r, 400));
    expect(handle.killCalls).toBe(0);
    // Both flowing: fine.
    const flow = setInterval(() => {
      camera.packets.video++;
      peer.packets.video++;
    }, 20);
    await new Promise((r) => setTimeout(r, 400));
    expect(handle.killCalls).toBe(0);
    clearInterval(flow);
    // The agent stops (SIGSTOP) while the camera goes on.
    const cam = setInterval(() => camera.packets.video++, 20);
    try {
      await until(() => handle.killCalls === 1, 'the watchdog to kill the agent');
    } finally {
      clearInterval(cam);
    }
    expect(room.currentSource('p1')).toBe(holdSourceId('p1'));
    expect(statuses.some((s) => s.state === 'fallback-held' && /sent no video/.test(s.message ?? ''))).toBe(
      true,
    );
    await until(() => launcher.launched.length === 2, 'a replacement');
  });

  it('an agent that never starts is replaced after the start timeout; after maxRestarts it gives up, still held', async () => {
    const { sup, launcher, room, statuses, subject } = setup({ startTimeoutMs: 30, maxRestarts: 2 });
    sup.ensure(subject('p1', 'both'));
    await until(() => statuses.some((s) => s.state === 'error'), 'giving up');
    expect(launcher.launched).toHaveLength(3);
    expect(launcher.launched.every((h) => h.killCalls === 1)).toBe(true);
    expect(room.currentSource('p1')).toBe(holdSourceId('p1'));
    // Turning the mode on again tries afresh.
    sup.ensure(subject('p1', 'both'));
    expect(launcher.launched).toHaveLength(4);
  });

  it('mode off routes the camera back and stops the process', () => {
    const { sup, launcher, room, subject, joinAgent } = setup();
    const s = subject('p1', 'avatar');
    sup.ensure(s);
    joinAgent('p1', 0);
    s.settingsNow = { ...s.settingsNow, mode: 'none' };
    sup.release('r', 'p1');
    expect(room.currentSource('p1')).toBe('p1');
    expect(launcher.launched[0].closeCalls).toBe(1);
    expect(sup.get('r', 'p1')).toBeUndefined();
  });
});

// The AgentSupervisor against the Sfu and AgentLauncher interfaces (in-memory implementations, no WebRTC):
// caps, one process per participant, avatar failing closed through start, loss, watchdog and give-up.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentSupervisor, agentsFor } from '../../src/signaling/agent-supervisor.ts';
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

interface SetupOptions {
  max?: number;
  maxRestarts?: number;
  startTimeoutMs?: number;
  cameraIdleMs?: number;
  stuckMs?: number;
  startCost?: { burst: number; refillMs: number };
}

function setup(opts: SetupOptions = {}) {
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
    cameraIdleMs: opts.cameraIdleMs ?? 60_000,
    stuckMs: opts.stuckMs,
    startCost: opts.startCost,
  });
  supervisors.push(sup);
  const room = new FakeRoom('r');
  const statuses: AgentStatus[] = [];
  /** A participant; by default its camera is on (it publishes video and a packet has arrived). */
  const subject = (
    pid: string,
    mode: Mode,
    camera = true,
  ): AgentSubject & { settingsNow: Required<Settings> } => {
    const peer = room.getPeer(pid) ?? room.createPeer(pid);
    if (camera && !peer.publishing().video) {
      peer.produce('video');
      peer.packets.video++;
    }
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
    room.keyframe('p1'); // the camera's keyframe commits the switch back to it
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
    room.keyframe('p1');
    expect(room.currentSource('p1')).toBe('p1');
    expect(launcher.launched[0].closeCalls).toBe(1);
    expect(sup.get('r', 'p1')).toBeUndefined();
  });

  it('only real work holds a place: cameraless requests wait without one, a user with a camera gets an agent', async () => {
    const { sup, launcher, room, statuses, subject } = setup({ max: 2 });
    for (const pid of ['q1', 'q2', 'q3', 'q4']) sup.ensure(subject(pid, 'eyes', false));
    expect(launcher.launched).toHaveLength(0);
    expect(sup.size).toBe(0);
    expect(statuses.filter((s) => s.message === 'waiting for the camera')).toHaveLength(4);
    sup.ensure(subject('cam', 'avatar'));
    expect(launcher.launched.map((h) => h.options.forParticipantId)).toEqual(['cam']);
    // A cameraless one whose camera starts gets the other place at the next look.
    const q1 = room.getPeer('q1');
    q1?.produce('video');
    if (q1) q1.packets.video = 1;
    await until(() => launcher.launched.length === 2, 'q1 to launch when its camera starts');
    expect(launcher.launched[1].options.forParticipantId).toBe('q1');
    // The cap is full now: a third camera waits for a place rather than starting a process.
    const q2 = room.getPeer('q2');
    q2?.produce('video');
    if (q2) q2.packets.video = 1;
    await until(() => sup.get('r', 'q2')?.status.message?.includes('waiting for one') === true, 'q2 to wait');
    expect(launcher.launched).toHaveLength(2);
    // q1 turns its mode off: q2 takes the place once that process has exited.
    sup.release('r', 'q1');
    launcher.launched[1].exit(0);
    await until(() => launcher.launched.length === 3, 'q2 to launch');
    expect(launcher.launched[2].options.forParticipantId).toBe('q2');
  });

  it('the camera stopping releases the agent and its place; video returning starts one again', async () => {
    const { sup, launcher, room, statuses, subject, joinAgent } = setup({ max: 1, cameraIdleMs: 300 });
    sup.ensure(subject('p1', 'avatar'));
    joinAgent('p1', 0);
    const camera = room.getPeer('p1');
    if (!camera) throw new Error('no camera peer');
    // Frames flowing: kept. Then nothing for longer than cameraIdleMs: released, the avatar held.
    const flow = setInterval(() => camera.packets.video++, 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(launcher.launched[0].closeCalls).toBe(0);
    clearInterval(flow);
    await until(() => launcher.launched[0].closeCalls === 1, 'the idle camera to release the agent');
    expect(room.currentSource('p1')).toBe(holdSourceId('p1'));
    expect(statuses.at(-1)?.message).toBe('waiting for the camera');
    launcher.launched[0].exit(0);
    expect(sup.size).toBe(0);
    // Another user's camera can have the place meanwhile; p1's camera returns and waits for it.
    sup.ensure(subject('p2', 'eyes'));
    expect(launcher.launched).toHaveLength(2);
    const back = setInterval(() => camera.packets.video++, 20);
    try {
      await until(() => /waiting for one/.test(sup.get('r', 'p1')?.status.message ?? ''), 'p1 to wait');
      sup.release('r', 'p2');
      launcher.launched[1].exit(0);
      await until(() => launcher.launched.length === 3, 'p1 to start again with its camera');
    } finally {
      clearInterval(back);
    }
    expect(launcher.launched[2].options.forParticipantId).toBe('p1');
  });

  it('starting agents costs: toggling a mode 81 times starts a few processes, then one per refill', async () => {
    const { sup, launcher, subject } = setup({ startCost: { burst: 3, refillMs: 60_000 } });
    const s = subject('p1', 'eyes');
    for (let i = 0; i <= 80; i++) {
      s.settingsNow = { ...s.settingsNow, mode: i % 2 ? 'none' : 'eyes' };
      if (i % 2) {
        sup.release('r', 'p1');
        for (const h of launcher.running()) h.exit(0); // the process exits at once
      } else sup.ensure(s);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(launcher.launched).toHaveLength(3);
    // The last "on" is accepted and waits its turn, saying so.
    expect(sup.get('r', 'p1')?.status).toMatchObject({ state: 'busy' });
    expect(sup.get('r', 'p1')?.status.message).toMatch(/starting in \d+ s/);
  });

  it('heartbeat: a slow agent (late video, beating) is kept; a silent one is replaced; a stuck one too', async () => {
    const { sup, launcher, room, statuses, subject, joinAgent } = setup({ stuckMs: 600 });
    sup.ensure(subject('p1', 'avatar'));
    const { peer, handle } = joinAgent('p1', 0);
    const camera = room.getPeer('p1');
    if (!camera) throw new Error('no camera peer');
    let beat = { framesIn: 0, processed: 0, framesOut: 0 };
    // Slow: the camera sends, the agent's video comes once per 700 ms (> watchdogMs 200), beats every 50 ms.
    const cam = setInterval(() => camera.packets.video++, 20);
    const beats = setInterval(() => {
      beat = { ...beat, framesIn: beat.framesIn + 2 };
      handle.beat(beat);
    }, 50);
    const slowVideo = setInterval(() => {
      peer.packets.video++;
      beat = { ...beat, processed: beat.processed + 1, framesOut: beat.framesOut + 1 };
    }, 300);
    try {
      await new Promise((r) => setTimeout(r, 1200));
      expect(handle.killCalls).toBe(0);
      // Stuck: beats go on and frames arrive, but none is finished for longer than stuckMs.
      clearInterval(slowVideo);
      await until(() => handle.killCalls === 1, 'the stuck agent to be replaced');
      expect(statuses.some((s) => /made no progress/.test(s.message ?? ''))).toBe(true);
      await until(() => launcher.launched.length === 2, 'a replacement');
      // Silent (SIGSTOP): no beats and no video.
      clearInterval(beats);
      const next = joinAgent('p1', 1);
      next.handle.beat({ framesIn: 1, processed: 1, framesOut: 1 });
      const stoppedAt = Date.now();
      await until(() => next.handle.killCalls === 1, 'the silent agent to be replaced');
      expect(Date.now() - stoppedAt).toBeLessThan(1000);
      expect(statuses.some((s) => /sent no video and no heartbeat/.test(s.message ?? ''))).toBe(true);
    } finally {
      clearInterval(cam);
      clearInterval(beats);
      clearInterval(slowVideo);
    }
  });

  it('an agent starved of CPU (no beats, the OS says runnable) is kept until stuckMs; a stopped one goes at once', async () => {
    const { sup, launcher, room, subject, joinAgent } = setup({ stuckMs: 1500 });
    sup.ensure(subject('p1', 'avatar'));
    const { handle } = joinAgent('p1', 0);
    const camera = room.getPeer('p1');
    if (!camera) throw new Error('no camera peer');
    const cam = setInterval(() => camera.packets.video++, 20);
    try {
      handle.osState = 'alive';
      handle.beat({ framesIn: 1, processed: 1, framesOut: 1 });
      // No beat, no video, but runnable: kept past watchdogMs (200 ms), replaced after stuckMs.
      await new Promise((r) => setTimeout(r, 700));
      expect(handle.killCalls).toBe(0);
      const t0 = Date.now();
      await until(() => handle.killCalls === 1, 'the starved agent to be replaced after stuckMs');
      expect(Date.now() - t0).toBeGreaterThan(300);
      await until(() => launcher.launched.length === 2, 'a replacement');
      // SIGSTOP: the OS says stopped, so the watchdog's silence limit applies.
      const next = joinAgent('p1', 1);
      next.handle.osState = 'stopped';
      next.handle.beat({ framesIn: 1, processed: 1, framesOut: 1 });
      const stoppedAt = Date.now();
      await until(() => next.handle.killCalls === 1, 'the stopped agent to be replaced');
      expect(Date.now() - stoppedAt).toBeLessThan(1000);
    } finally {
      clearInterval(cam);
    }
  });

  it('a slow start the OS calls alive gets up to 4x the start timeout; then it is replaced', async () => {
    const { sup, launcher, statuses, subject } = setup({ startTimeoutMs: 100, maxRestarts: 1 });
    sup.ensure(subject('p1', 'eyes'));
    const handle = launcher.launched[0];
    handle.osState = 'alive'; // loading models on a loaded machine: no video yet, no beats
    await new Promise((r) => setTimeout(r, 250));
    expect(handle.killCalls).toBe(0);
    await until(() => handle.killCalls === 1, 'the start to run out at 4x the timeout');
    expect(statuses.some((s) => /did not start within \d+ ms/.test(s.message ?? ''))).toBe(true);
  });

  it('sizes the cap from the measured pipeline cost unless it was set', () => {
    const cost = {
      cpuMsPerFrame: 10,
      wallMsPerFrame: 12,
      frames: 30,
      what: 'avatar 256 on d3.mjpeg (fixtures)',
    };
    // 2 cores, half a core for the SFU, 10 ms x 1.3 overhead x 12 fps = 0.156 core an agent.
    expect(agentsFor(cost, 2)).toBe(9);
    expect(agentsFor({ ...cost, cpuMsPerFrame: 400 }, 2)).toBe(1);
    const unset = new AgentSupervisor({ launcher: new FakeLauncher(), serverUrl: () => '' });
    supervisors.push(unset);
    if (process.env.AGENT_MAX === undefined) {
      expect(unset.capacity()).toMatchObject({ max: 4, source: 'default' });
      unset.sizeFromCost(cost);
      expect(unset.maxAgents).toBe(agentsFor(cost));
      expect(unset.capacity()).toMatchObject({ source: 'measured', cost });
    }
    const { sup } = setup({ max: 2 });
    sup.sizeFromCost(cost);
    expect(sup.maxAgents).toBe(2);
    expect(sup.capacity()).toMatchObject({ max: 2, source: 'setting', cost });
  });
});

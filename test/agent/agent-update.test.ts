// The agent and its processor's update(): settings reach process() only once update() for them resolved, so a
// slow update (an identity loading) never holds frames back; they keep flowing with the previous settings. The
// agent runs in this process against a real server whose launcher only hands out credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/inference/agent/agent.ts';
import type { AgentSettings, FrameProcessor } from '../../src/inference/agent/processor.ts';
import { HeadlessCamera } from '../../src/probe/camera.ts';
import type { App } from '../../src/server/app.ts';
import { joinAs, startTestServer, until } from '../media/helpers.ts';
import { FakeLauncher } from '../signaling/fakes.ts';

/** The user's mode is on and its camera reaches the server: its agent is launched (credentials issued). */
async function launchedFor(pid: string) {
  await until(() => launcher.launched.some((h) => h.options.forParticipantId === pid), 'the agent launch');
  return launcher.launched.filter((h) => h.options.forParticipantId === pid)[0];
}

const launcher = new FakeLauncher();
let app: App;
beforeAll(async () => {
  app = await startTestServer(launcher);
});
afterAll(async () => {
  await app.close();
});

/** Records update() and process() calls in order; an update for debugSketch waits until released. */
class GatedProcessor implements FrameProcessor {
  readonly name = 'gated';
  readonly calls: Array<{ call: 'update' | 'process'; sketch: boolean }> = [];
  release: () => void = () => undefined;
  async update(settings: AgentSettings): Promise<void> {
    this.calls.push({ call: 'update', sketch: !!settings.debugSketch });
    if (settings.debugSketch) await new Promise<void>((r) => (this.release = r));
  }
  async process(frame: Parameters<FrameProcessor['process']>[0], settings: AgentSettings) {
    this.calls.push({ call: 'process', sketch: !!settings.debugSketch });
    return { frame, state: 'ok' as const };
  }
  close(): void {}
  processed(sketch: boolean): number {
    return this.calls.filter((c) => c.call === 'process' && c.sketch === sketch).length;
  }
}

describe('Agent and FrameProcessor.update()', () => {
  it('updates before the first frame, and keeps frames flowing with the old settings while an update runs', async () => {
    const user = await joinAs(app, 'agent-update', 'U');
    const cam = new HeadlessCamera({});
    cam.start();
    await user.client.publish(cam.tracks());
    await user.client.settings({ mode: 'eyes' });
    const { options } = await launchedFor(user.id);
    const processor = new GatedProcessor();
    const agent = new Agent({ ...options, settings: options.settings }, async () => processor);
    try {
      await agent.start();
      await until(() => processor.processed(false) >= 3, 'frames through the processor');
      expect(processor.calls[0]).toEqual({ call: 'update', sketch: false });
      expect(processor.calls.filter((c) => c.call === 'update')).toHaveLength(1);

      await user.client.settings({ mode: 'eyes', debugSketch: true });
      await until(() => processor.calls.some((c) => c.call === 'update' && c.sketch), 'the slow update');
      const before = processor.processed(false);
      await until(() => processor.processed(false) >= before + 3, 'frames during the update');
      expect(processor.processed(true)).toBe(0);

      processor.release();
      await until(() => processor.processed(true) >= 1, 'frames with the new settings');
      const firstNew = processor.calls.findIndex((c) => c.call === 'process' && c.sketch);
      const update = processor.calls.findIndex((c) => c.call === 'update' && c.sketch);
      expect(firstNew).toBeGreaterThan(update);
    } finally {
      await agent.close();
      cam.stop();
      user.client.close();
    }
  });

  it('a failed update still hands the settings over and reports why', async () => {
    const user = await joinAs(app, 'agent-update-fail', 'U');
    const cam = new HeadlessCamera({});
    cam.start();
    await user.client.publish(cam.tracks());
    await user.client.settings({ mode: 'eyes' });
    const { options } = await launchedFor(user.id);
    const processor = new GatedProcessor();
    processor.update = async (settings) => {
      processor.calls.push({ call: 'update', sketch: !!settings.debugSketch });
      if (settings.debugSketch) throw new Error('boom');
    };
    const agent = new Agent({ ...options, settings: options.settings }, async () => processor);
    try {
      await agent.start();
      await user.client.settings({ mode: 'eyes', debugSketch: true });
      await until(() => processor.processed(true) >= 1, 'frames with the new settings');
      expect(agent.status().message).toBe('settings not applied: boom');
    } finally {
      await agent.close();
      cam.stop();
      user.client.close();
    }
  });
});

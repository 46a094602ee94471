// Agent.close() during start(): whatever start() has made by then is closed, the processor included (it used
// to leak when the factory resolved after close). The agent runs in this process against a real server whose
// launcher only hands out credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/inference/agent/agent.ts';
import type { FrameProcessor } from '../../src/inference/agent/processor.ts';
import type { App } from '../../src/server/app.ts';
import { joinAs, startTestServer, until } from '../media/helpers.ts';
import { publishCamera } from '../signaling/camera.ts';
import { FakeLauncher } from '../signaling/fakes.ts';

const launcher = new FakeLauncher();
let app: App;
beforeAll(async () => {
  app = await startTestServer(launcher);
});
afterAll(async () => {
  await app.close();
});

describe('Agent.close() during start()', () => {
  it('closes the processor that a pending factory delivers after close()', async () => {
    const user = await joinAs(app, 'agent-close', 'U');
    // Agents run while their user's camera sends video: the launch (its credentials) needs one.
    const cam = await publishCamera(app, user.client, 'agent-close', user.id);
    await user.client.settings({ mode: 'eyes' });
    const { options } = launcher.launched[0];
    let closedProcessors = 0;
    let deliver: (p: FrameProcessor) => void = () => undefined;
    const pending = new Promise<FrameProcessor>((resolve) => {
      deliver = resolve;
    });
    let factoryCalled = false;
    const agent = new Agent({ ...options, settings: options.settings }, async () => {
      factoryCalled = true;
      return pending;
    });
    const started = agent.start();
    await until(() => factoryCalled, 'the agent to join and build its processor');
    await agent.close();
    deliver({
      name: 'late',
      update: () => undefined,
      process: async (frame) => ({ frame, state: 'ok' }),
      close: () => {
        closedProcessors++;
      },
    });
    await started;
    expect(closedProcessors).toBe(1);
    cam.stop();
    user.client.close();
  });
});

// Entry of an agent child process: `node --import tsx src/inference/agent/main.ts`, configured by the
// AGENT_CONFIG environment variable (JSON AgentConfig), or, without it, a warm agent: it loads its processor
// (the models) first, says `warm` to its parent, and starts when an `assign` message brings the config.
// Exits explicitly after closing every track.
import { createLogger } from '../../util/logger.ts';
import { Agent, type AgentConfig } from './agent.ts';
import { type FrameProcessor, loadProcessorFactory, type ProcessorFactory } from './processor.ts';
import type { AgentAssign } from './spawner-protocol.ts';

const log = createLogger('inference:agent:main');

/** A warm agent: the processor is built now; the config arrives later from the parent. */
async function warm(factory: ProcessorFactory): Promise<{ cfg: AgentConfig; factory: ProcessorFactory }> {
  let cfg: AgentConfig | null = null;
  const assigned = new Promise<AgentConfig>((resolve) => {
    process.on('message', (m: AgentAssign) => {
      if (m.t === 'assign' && !cfg) {
        cfg = m.cfg;
        resolve(m.cfg);
      }
    });
  });
  process.on('disconnect', () => {
    if (!cfg) process.exit(0);
  });
  const processor: FrameProcessor = await factory({ mode: 'none', identityId: null });
  process.send?.({ t: 'warm' });
  return { cfg: await assigned, factory: async () => processor };
}

async function main(): Promise<void> {
  const raw = process.env.AGENT_CONFIG;
  let cfg: AgentConfig;
  let factory = await loadProcessorFactory();
  if (raw) cfg = JSON.parse(raw) as AgentConfig;
  else ({ cfg, factory } = await warm(factory));
  const agent = new Agent(cfg, factory);
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    agent
      .close()
      .catch((e) => log.error('close failed', e))
      // Give libwebrtc a moment to tear its threads down before the process ends.
      .finally(() => setTimeout(() => process.exit(code), 100));
  };
  agent.onClosed = () => exit(0);
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
  process.on('disconnect', () => exit(0)); // parent gone (IPC channel closed)
  try {
    await agent.start();
  } catch (e) {
    log.error('agent failed to start', e);
    exit(1);
  }
}

main().catch((e) => {
  log.error('agent crashed', e);
  process.exit(1);
});

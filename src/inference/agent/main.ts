// Entry of an agent child process: `node --import tsx src/inference/agent/main.ts`, configured by the
// AGENT_CONFIG environment variable (JSON AgentConfig). Exits explicitly after closing every track.
import { createLogger } from '../../util/logger.ts';
import { Agent, type AgentConfig } from './agent.ts';
import { loadProcessorFactory } from './processor.ts';

const log = createLogger('inference:agent:main');

async function main(): Promise<void> {
  const raw = process.env.AGENT_CONFIG;
  if (!raw) throw new Error('AGENT_CONFIG is not set');
  const cfg = JSON.parse(raw) as AgentConfig;
  const factory = await loadProcessorFactory();
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

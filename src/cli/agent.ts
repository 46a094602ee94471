// Entry of an agent child process: `node --import tsx src/cli/agent.ts`, configured by the AGENT_CONFIG
// environment variable (JSON AgentConfig), or, without it, a warm agent: it loads its processor (the models)
// first (and, asked by AGENT_MEASURE=1, times the pipeline on this machine), says `warm` to its parent, and
// starts when an `assign` message brings the config. It beats to its parent a few times a second (the frame
// loop's counters: the server's watchdog tells slow from hung by them). Exits explicitly
// after closing every track. This is where the agent meets the rest of the server: src/inference knows
// identities only through the loadIdentity given to its processor here.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Agent, type AgentConfig, type ProcessorSource } from '../inference/agent/agent.ts';
import {
  type FrameProcessor,
  loadProcessorFactory,
  type ProcessorDeps,
} from '../inference/agent/processor.ts';
import type { AgentAssign } from '../inference/agent/spawner-protocol.ts';
import type { IdentityInput } from '../inference/pipeline/identity.ts';
import { isIdentityId, loadIdentityPhotos } from '../server/identities/store.ts';
import { AppError } from '../util/errors.ts';
import { createLogger } from '../util/logger.ts';
import { FIXTURES_DIR } from '../util/paths.ts';

const log = createLogger('cli:agent');
/** Heartbeat period: the server's watchdog (AGENT_WATCHDOG_MS, 800 ms) allows a few missed beats. */
const BEAT_MS = 200;

/** An uploaded identity by id, or a fixture portrait by name (e.g. "s0", for tests and demos). */
async function loadIdentity(id: string): Promise<IdentityInput[]> {
  if (isIdentityId(id)) return (await loadIdentityPhotos(id)).map((p) => p.image);
  const fixture = resolve(FIXTURES_DIR, 'identities', `${id}.jpg`);
  if (/^[A-Za-z0-9_-]+$/.test(id) && existsSync(fixture)) return [fixture];
  throw new AppError('NOT_FOUND', `no identity ${id}`);
}

const deps: ProcessorDeps = { loadIdentity };

/** A warm agent: the processor is built now; the config arrives later from the parent. */
async function warm(factory: ProcessorSource): Promise<{ cfg: AgentConfig; factory: ProcessorSource }> {
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
  const cost =
    process.env.AGENT_MEASURE === '1'
      ? await processor.measure?.().catch((e) => {
          log.warn('pipeline measurement failed', e);
          return null;
        })
      : null;
  process.send?.({ t: 'warm', cost: cost ?? undefined });
  return { cfg: await assigned, factory: async () => processor };
}

async function main(): Promise<void> {
  const raw = process.env.AGENT_CONFIG;
  let cfg: AgentConfig;
  const create = await loadProcessorFactory();
  let factory: ProcessorSource = (settings) => create(settings, deps);
  if (raw) cfg = JSON.parse(raw) as AgentConfig;
  else ({ cfg, factory } = await warm(factory));
  const agent = new Agent(cfg, factory);
  const beat = setInterval(() => {
    if (process.connected) process.send?.({ t: 'beat', beat: agent.progress() });
  }, BEAT_MS);
  beat.unref();
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

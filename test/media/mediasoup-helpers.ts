// mediasoup for tests: a call server on the mediasoup backend (SFU=mediasoup as `npm start` reads it), and the
// skip reason when its worker is not built (npm run build:mediasoup).
import { mediasoupUnavailable } from '../../src/media/mediasoup/worker-bin.ts';
import type { App } from '../../src/server/app.ts';
import type { AgentLauncher } from '../../src/signaling/agents.ts';
import { startTestServer } from './helpers.ts';

/** Why the mediasoup tests skip here, or null. */
export function mediasoupSkip(what: string): string | null {
  const why = mediasoupUnavailable();
  if (why) console.warn(`skipping ${what}: ${why}`);
  return why;
}

/** Runs `f` with SFU=mediasoup in the environment. */
export async function withMediasoup<T>(f: () => Promise<T>): Promise<T> {
  const saved = process.env.SFU;
  process.env.SFU = 'mediasoup';
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.SFU;
    else process.env.SFU = saved;
  }
}

export function startMediasoupServer(launcher?: AgentLauncher): Promise<App> {
  return withMediasoup(() => startTestServer(launcher));
}

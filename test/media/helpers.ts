// Shared setup for call tests: a server on a free loopback port and headless participants.

import { type App, startApp } from '../../src/server/app.ts';
import type { AgentLauncher } from '../../src/signaling/agents.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';

export async function startTestServer(launcher?: AgentLauncher): Promise<App> {
  return startApp({ port: 0, host: '127.0.0.1', launcher });
}

export async function joinAs(app: App, room: string, name: string, passcode?: string) {
  const client = await HeadlessClient.connect(app.url);
  const res = await client.join({ room, displayName: name, passcode });
  return { client, id: res.participantId, participants: res.participants };
}

/** Resolves when `pred` holds, polling; rejects with `what` after timeoutMs. */
export async function until(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with the next emitted value of a client event matching `pred`. */
export function nextEvent<T>(
  client: HeadlessClient,
  event: 'left' | 'updated' | 'joined' | 'agentstatus' | 'servererror' | 'sketch',
  pred: (v: T) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching "${event}" within ${timeoutMs} ms`)), timeoutMs);
    const on = (v: T) => {
      if (!pred(v)) return;
      clearTimeout(t);
      (client.off as (e: string, f: (v: T) => void) => void)(event, on);
      resolve(v);
    };
    (client.on as (e: string, f: (v: T) => void) => void)(event, on);
  });
}

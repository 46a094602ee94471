// Shared setup for call tests: a server on a free loopback port and headless participants.

import { expect } from 'vitest';
import type { HeadlessCamera } from '../../src/probe/camera.ts';
import type { FrameCollector } from '../../src/probe/receiver.ts';
import { type App, startApp } from '../../src/server/app.ts';
import type { AgentLauncher } from '../../src/signaling/agents.ts';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { Participant } from '../../src/signaling/protocol.ts';

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

/**
 * A and B join `room`, A publishes `cam` and B receives it: the start of every agent-in-a-call test. Closing
 * both clients and the camera is pushed onto `cleanup`.
 */
export async function publisherAndViewer(
  app: App,
  room: string,
  cam: HeadlessCamera,
  cleanup: Array<() => void>,
): Promise<{
  a: Awaited<ReturnType<typeof joinAs>>;
  b: Awaited<ReturnType<typeof joinAs>>;
  track: MediaStreamTrack;
}> {
  const a = await joinAs(app, room, 'A');
  const b = await joinAs(app, room, 'B');
  cleanup.push(
    () => a.client.close(),
    () => b.client.close(),
    () => cam.stop(),
  );
  cam.start();
  await a.client.publish(cam.tracks());
  const track = await b.client.waitForTrack(a.id, 'video');
  return { a, b, track };
}

/** Resolves when `client` is told that participant `id`'s video is now `video` (an agent took over or left). */
export function videoBecomes(
  client: HeadlessClient,
  id: string,
  video: Participant['video'],
  timeoutMs: number,
): Promise<Participant> {
  return nextEvent<Participant>(client, 'updated', (p) => p.id === id && p.video === video, timeoutMs);
}

/**
 * Waits for `n` frames and checks that more than `minStamped` carry a readable stamp (undamaged) and that the
 * stamps, the sender's counter, only rise (frames arrive in send order).
 */
export async function expectStampsInOrder(
  frames: FrameCollector,
  n: number,
  minStamped: number,
): Promise<void> {
  await frames.waitFrames(n);
  const stamps = frames.frames.map((f) => f.stamp).filter((s): s is number => s !== null);
  expect(stamps.length).toBeGreaterThan(minStamped);
  for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]);
}

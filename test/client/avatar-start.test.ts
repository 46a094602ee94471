// How fast an avatar reaches the other participant, and mode switches that never break the processor, in real
// Chromium (two pages, server and agents on this machine's cores, as a newcomer tries it): A's fake camera
// plays a fixture driver; with a warm agent ready A turns avatar mode on, and the time until B's page shows
// the first avatar frame (the renderer's 256 px output, not A's 512 px camera) is printed with the frame rate B
// receives. Then avatar -> eye contact -> avatar -> off: the agent counts every processor call that threw, and
// that count stays 0. Figures are printed, not asserted (a loaded machine moves them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { PIPELINE_PROCESSOR_MODULE } from '../../src/inference/agent/pipeline-processor.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import type { AgentStatus } from '../../src/signaling/protocol.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { joinAs as joinHeadless } from '../media/helpers.ts';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig, tileOf } from './browser.ts';

const DRIVER = resolve(FIXTURES_DIR, 'drivers', 'd3.mjpeg');
const skipReason = chromiumMissing() || (fixturesAvailable() ? '' : `no fixtures at ${FIXTURES_DIR}`);
if (skipReason) console.warn(`avatar start browser test skipped: ${skipReason}`);

/**
 * Resolves with performance.now() (page clock) when B's tile for the participant first shows a frame `width`
 * wide, checked every animation frame (the tile's video element may be replaced meanwhile).
 */
async function firstFrameAt(page: Page, participant: string, width: number): Promise<number> {
  const handle = await page.waitForFunction(
    ({ participant, width }) => {
      // The route switched to the agent (not a camera frame the sender scaled down under load) and a frame
      // of the avatar's size is decoded.
      const tile = document.querySelector<HTMLElement>(`.tile[data-participant="${participant}"]`);
      const v = tile?.querySelector<HTMLVideoElement>('video.remote');
      const ok = tile?.dataset.video === 'processed' && v?.videoWidth === width && v.readyState >= 2;
      return ok ? performance.now() : false;
    },
    { participant, width },
    { polling: 'raf', timeout: 120_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** The frame rate B's stats overlay says it receives for the participant (polled until it says one). */
async function receivedFps(page: Page, participant: string): Promise<number> {
  await page.check('#show-stats');
  let fps = 0;
  await expect
    .poll(
      async () => {
        const text = (await tileOf(page, participant).locator('.stats').textContent()) ?? '';
        fps = Number(/received ([0-9.]+) fps/.exec(text)?.[1] ?? 0);
        return fps;
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toBeGreaterThan(0);
  return fps;
}

describe.skipIf(skipReason !== '')('avatar start and mode switches in chromium', () => {
  let rig: BrowserRig;
  let launcher: ProcessAgentLauncher;
  let identityDir: string;
  let watcher: HeadlessClient | null = null;
  const room = `start-${Date.now().toString(36)}`;

  beforeAll(async () => {
    identityDir = mkdtempSync(join(tmpdir(), 'avatar-start-'));
    launcher = new ProcessAgentLauncher({
      env: { IDENTITY_DIR: identityDir },
      processorModule: PIPELINE_PROCESSOR_MODULE,
      poolSize: 1,
    });
    rig = await startBrowserRig({ app: { identityDir, launcher }, fakeVideoFile: DRIVER });
  }, 180_000);

  afterAll(async () => {
    watcher?.close();
    launcher?.close();
    await rig?.close();
    if (identityDir) rmSync(identityDir, { recursive: true, force: true });
  });

  it('the first avatar frame reaches the other page soon after the toggle (warm agent); switches never throw', async () => {
    const a = await rig.openPage(`/r/${room}`);
    const aId = await joinAs(a, 'A');
    const b = await rig.openPage(`/r/${room}`);
    await joinAs(b, 'B');
    await a.setInputFiles('#identity-file', {
      name: 's5.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(resolve(FIXTURES_DIR, 'identities', 's5.jpg')),
    });
    await a.click('#identity-upload');
    // The server checks the photo (a face tracker run): slow on a loaded machine.
    await a.waitForFunction(
      () => document.querySelector<HTMLElement>('#identity-busy')?.hidden === true,
      null,
      {
        timeout: 180_000,
      },
    );
    await expect.poll(() => a.locator('#identities .identity.selected').count(), { timeout: 60_000 }).toBe(1);
    // A headless member of the room hears every agent status (failures counted by the agent).
    const w = await joinHeadless(rig.app, room, 'watcher');
    watcher = w.client;
    const statuses: AgentStatus[] = [];
    watcher.on('agentstatus', (s) => statuses.push(s));
    // A warm agent is ready, and A's camera reaches B.
    await launcher.warmUp(120_000);
    expect(launcher.poolPids()).toHaveLength(1);
    await b.waitForFunction(
      (id) =>
        (document.querySelector<HTMLVideoElement>(`.tile[data-participant="${id}"] video.remote`)
          ?.videoWidth ?? 0) > 0,
      aId,
      { timeout: 60_000 },
    );

    const first = firstFrameAt(b, aId, 256);
    const t0 = await b.evaluate(() => performance.now());
    await a.check('#toggle-avatar');
    const shownAt = await first;
    const fps = await receivedFps(b, aId);
    console.log(
      JSON.stringify({
        test: 'avatar-first-frame',
        warm: true,
        firstFrameMs: Math.round(shownAt - t0),
        receivedFps: Number(fps.toFixed(1)),
      }),
    );

    // avatar -> eye contact -> avatar -> off, each switch applied before the next.
    const video = () => tileOf(b, aId).getAttribute('data-video');
    await a.check('#toggle-eyes');
    await a.uncheck('#toggle-avatar');
    await expect.poll(video, { timeout: 180_000, interval: 200 }).toBe('processed');
    await a.waitForTimeout(2000);
    await a.check('#toggle-avatar');
    await a.uncheck('#toggle-eyes');
    await expect.poll(video, { timeout: 180_000, interval: 200 }).toBe('processed');
    await a.waitForTimeout(2000);
    await a.uncheck('#toggle-avatar');
    await expect.poll(video, { timeout: 30_000, interval: 200 }).toBe('raw');

    const mine = statuses.filter((s) => s.participantId === aId);
    expect(mine.some((s) => s.state === 'ok' || s.state === 'busy')).toBe(true);
    const failures = Math.max(0, ...mine.map((s) => s.failures ?? 0));
    const failed = mine.filter((s) => /processing failed/.test(s.message ?? ''));
    console.log(JSON.stringify({ test: 'mode-switches', statuses: mine.length, failures }));
    expect(failed).toEqual([]);
    expect(failures).toBe(0);
  }, 600_000);
});

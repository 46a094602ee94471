// Subscribers in a real browser follow the room after someone leaves: three people in one room, one leaves
// (the SFU drops that participant's tracks from the others' subscribe connections and renegotiates), then a
// fourth joins and the remaining two see and play the newcomer; a clean feed page, which unsubscribes from
// everyone but its target, plays its target. Chromium rejected werift's offer for removed
// tracks, which froze those subscribers; the headless wrtc tests did not catch it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig, tileOf, waitPlaying } from './browser.ts';

const skipReason = chromiumMissing();
if (skipReason) console.warn(`browser leave tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('subscribers in chromium after a participant leaves', () => {
  let rig: BrowserRig;
  const room = `leave-${Date.now().toString(36)}`;

  beforeAll(async () => {
    rig = await startBrowserRig();
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  const playing = (page: Page, id: string, timeout?: number) =>
    waitPlaying(page, `.tile[data-participant="${id}"] video.remote`, timeout);

  it('the first of three leaves; the other two still negotiate and play a fourth who joins', async () => {
    const a = await rig.openPage(`/r/${room}`);
    const aId = await joinAs(a, 'alice');
    const b = await rig.openPage(`/r/${room}`);
    const bId = await joinAs(b, 'bob');
    const c = await rig.openPage(`/r/${room}`);
    const cId = await joinAs(c, 'carol');
    await playing(b, aId);
    await playing(c, aId);
    await playing(b, cId);

    // A's tracks are the first m-sections (the BUNDLE tag) of B's and C's subscribe connections.
    await a.click('#leave');
    await expect.poll(() => tileOf(b, aId).count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => tileOf(c, aId).count(), { timeout: 15_000 }).toBe(0);

    const d = await rig.openPage(`/r/${room}`);
    const dId = await joinAs(d, 'dave');
    await playing(b, dId, 60_000);
    await playing(c, dId, 60_000);
    await playing(d, bId);
    await playing(b, cId);
    // A clean feed of B drops its other subscriptions (C and D) and still plays B.
    const feed = await rig.openPage(`/feed/${room}/bob`);
    await waitPlaying(feed, 'video#feed', 60_000);
    const remoteTiles = await b.evaluate(() => document.querySelectorAll('.tile video.remote').length);
    console.log(JSON.stringify({ test: 'client-leave', left: aId, remoteTilesAtB: remoteTiles }));
    expect(remoteTiles).toBe(2);
  }, 240_000);
});

// Nobody receives a call unseen, in the real web client (issue 21 A): a headless client that calls itself
// `feed:spy` (the page used to hide every `feed:` name while the server sent it everyone's audio) gets a tile
// like any person, and a clean-feed viewer and an agent are shown in the header as the server marks them. Debian chromium with
// a fake camera and microphone, the real server, a headless wrtc client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { FakeLauncher } from '../signaling/fakes.ts';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig, tileOf, waitPlaying } from './browser.ts';

const skipReason = chromiumMissing();
if (skipReason) console.warn(`browser viewer tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('listeners in the web client', () => {
  let rig: BrowserRig;
  const clients: HeadlessClient[] = [];

  beforeAll(async () => {
    // Agents are counted, not run: the launcher only records launches.
    rig = await startBrowserRig({ app: { launcher: new FakeLauncher() } });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await rig?.close();
  });

  it('shows a client named feed:spy as a person, and a clean feed as a viewer', async () => {
    const room = `spy-${Date.now().toString(36)}`;
    const page = await rig.openPage(`/r/${room}`);
    const aliceId = await joinAs(page, 'alice');
    const spy = await HeadlessClient.connect(rig.app.url);
    clients.push(spy);
    const { participantId: spyId } = await spy.join({ room, displayName: 'feed:spy' });
    // The spy receives alice's microphone: the page must show it.
    await spy.waitForTrack(aliceId, 'audio', 30_000);
    await expect.poll(() => tileOf(page, spyId).count(), { timeout: 15_000 }).toBe(1);
    expect(await tileOf(page, spyId).locator('.name').textContent()).toBe('feed:spy');

    const feed = await HeadlessClient.connect(rig.app.url);
    clients.push(feed);
    const { participantId: feedId } = await feed.join({
      room,
      displayName: 'x',
      view: { participant: aliceId },
    });
    await expect
      .poll(() => page.locator('#viewers').textContent(), { timeout: 15_000 })
      .toBe('1 viewer: clean feed of you');
    expect(await tileOf(page, feedId).count()).toBe(0);
    // An agent receives the camera of the participant it serves: the header says so too.
    await spy.settings({ mode: 'eyes' });
    await expect
      .poll(() => page.locator('#viewers').textContent(), { timeout: 15_000 })
      .toBe('1 viewer: clean feed of you · 1 agent: eye contact for feed:spy');
    console.log(
      JSON.stringify({ test: 'client-viewers', spyTile: true, header: await page.textContent('#viewers') }),
    );
    // The clean feed page joins as a viewer of alice (by name): it plays her, and she sees it listed.
    const feedPage = await rig.openPage(`/feed/${room}/alice`);
    await feedPage.waitForSelector('body[data-state="playing"]', { state: 'attached', timeout: 60_000 });
    await waitPlaying(feedPage, 'video#feed', 60_000);
    await expect
      .poll(() => page.locator('#viewers').textContent(), { timeout: 15_000 })
      .toMatch(/^2 viewers: clean feed of you, clean feed of you/);
    await feedPage.close();
    feed.close();
    await spy.settings({ mode: 'none' });
    await expect.poll(() => page.locator('#viewers').isHidden(), { timeout: 15_000 }).toBe(true);
  }, 180_000);
});

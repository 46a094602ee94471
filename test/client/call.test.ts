// The web client in a real browser (Debian chromium driven by playwright-core) against the real server: two
// people in one room, A's fake camera plays a fixture driver clip; A uploads an identity (bad files first) and
// turns avatar mode on; B's tile for A shows video with a moving face (checked with the face tracker); the
// eye-contact toggle goes round trip; the clean feed page plays A's stream alone.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { PIPELINE_PROCESSOR_MODULE } from '../../src/inference/agent/pipeline-processor.ts';
import { FaceTracker } from '../../src/inference/face/tracker.ts';
import type { FaceResult } from '../../src/inference/face-result.ts';
import { FIXTURES_DIR, fixturesAvailable, PROJECT_ROOT } from '../../src/util/paths.ts';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig, tileOf, waitPlaying } from './browser.ts';

const DRIVER = resolve(FIXTURES_DIR, 'drivers', 'd3.mjpeg');
const SHOTS = resolve(PROJECT_ROOT, '.cache', 'client-test');
const skipReason = chromiumMissing()
  ? chromiumMissing()
  : !fixturesAvailable() || !existsSync(DRIVER)
    ? `no fixture driver ${DRIVER}`
    : '';
if (skipReason) console.warn(`browser tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('web client in chromium (two participants, fake camera)', () => {
  let rig: BrowserRig;
  let launcher: ProcessAgentLauncher;
  let identityDir: string;
  let tracker: FaceTracker;
  let a: Page;
  let b: Page;
  let aId: string;
  const room = `room-${Date.now().toString(36)}`;

  beforeAll(async () => {
    identityDir = mkdtempSync(join(tmpdir(), 'client-identities-'));
    // The agents run the real frame pipeline, as under `npm start`.
    launcher = new ProcessAgentLauncher({
      env: { IDENTITY_DIR: identityDir },
      processorModule: PIPELINE_PROCESSOR_MODULE,
    });
    rig = await startBrowserRig({ app: { identityDir, launcher }, fakeVideoFile: DRIVER });
    tracker = await FaceTracker.create({ smoothing: false });
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    launcher?.close();
    await rig?.close();
    await tracker?.close();
    if (identityDir) rmSync(identityDir, { recursive: true, force: true });
  });

  const openPage = (path: string): Promise<Page> => rig.openPage(path);

  async function faceIn(png: Buffer): Promise<FaceResult | null> {
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    tracker.reset();
    return tracker.track(
      { format: 'rgba', width: info.width, height: info.height, data: new Uint8Array(data) },
      0,
    );
  }

  async function uploadFile(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
    await page.setInputFiles('#identity-file', { name, mimeType, buffer });
    await page.click('#identity-upload');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#identity-busy')?.hidden === true);
  }

  it('two people join one room from /r/<room> and see each other', async () => {
    a = await openPage(`/r/${room}`);
    expect(await a.inputValue('#room')).toBe(room);
    aId = await joinAs(a, 'alice');
    b = await openPage(`/r/${room}`);
    const bId = await joinAs(b, 'bob');
    expect(aId).not.toBe(bId);
    console.log(JSON.stringify({ test: 'client-join', a: aId, b: bId }));
    await expect.poll(() => tileOf(b, aId).locator('.name').textContent(), { timeout: 15_000 }).toBe('alice');
    await expect.poll(() => tileOf(a, bId).locator('.name').textContent(), { timeout: 15_000 }).toBe('bob');
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`);
    // Camera and microphone pickers list the fake devices.
    expect(await a.locator('#camera option').count()).toBeGreaterThan(0);
    expect(await a.locator('#mic option').count()).toBeGreaterThan(0);
  }, 180_000);

  it('shows the error of an invalid upload: a text file, a truncated JPEG, a photo without a face', async () => {
    await uploadFile(a, 'notes.txt', 'text/plain', Buffer.from('these are not pixels'));
    await expect.poll(() => a.textContent('#identity-error')).toMatch(/notes\.txt: not an image/);
    const jpeg = readFileSync(resolve(FIXTURES_DIR, 'identities', 's5.jpg'));
    await uploadFile(a, 'cut.jpg', 'image/jpeg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    await expect.poll(() => a.textContent('#identity-error')).toMatch(/cut\.jpg: .*truncated/);
    const wall = await sharp({ create: { width: 480, height: 360, channels: 3, background: '#6a8' } })
      .jpeg()
      .toBuffer();
    await uploadFile(a, 'wall.jpg', 'image/jpeg', wall);
    await expect.poll(() => a.textContent('#identity-error')).toMatch(/wall\.jpg: no face found/);
    expect(await a.locator('#identities .identity').count()).toBe(0);
  }, 180_000);

  it("A uploads an identity, picks it and turns avatar mode on; B sees a moving face in A's tile", async () => {
    const jpeg = readFileSync(resolve(FIXTURES_DIR, 'identities', 's5.jpg'));
    await uploadFile(a, 's5.jpg', 'image/jpeg', jpeg);
    expect(await a.locator('#identity-error').isHidden()).toBe(true);
    const card = a.locator('#identities .identity');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.getAttribute('class')).toContain('selected');
    expect(await card.locator('.face-box').count()).toBe(1);
    await a.waitForFunction(
      () => (document.querySelector<HTMLImageElement>('.thumb img')?.naturalWidth ?? 0) > 0,
    );

    await a.check('#toggle-avatar');
    const badges = tileOf(b, aId).locator('.badges');
    await expect.poll(() => badges.locator('[data-badge="avatar"]').count(), { timeout: 15_000 }).toBe(1);
    // The agent starts and B's copy of A switches to the processed stream.
    await expect
      .poll(() => tileOf(b, aId).getAttribute('data-video'), { timeout: 120_000, interval: 500 })
      .toBe('processed');
    // Its agent reports a state (ok, or busy on a loaded machine); B shows it as a badge or as "processed".
    await expect
      .poll(() => badges.locator('[data-badge]').count(), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(1);
    // A's own processed preview (what the others see) plays too.
    await waitPlaying(a, '.tile.self video.processed');

    const video = tileOf(b, aId).locator('video.remote');
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`);
    // The avatar renderer's output (256x256), not A's 512x512 camera.
    await expect
      .poll(() => video.evaluate((v) => (v as HTMLVideoElement).videoWidth), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(256);
    // Screenshots until the face has moved (a loaded machine may hold a frame for a while): every one has a
    // face, and the landmarks change between some of them (the driver clip is a talking head).
    const faces: FaceResult[] = [];
    const moved: number[] = [];
    for (let i = 0; i < 20 && !(moved.length >= 2 && Math.max(...moved) > 0.5); i++) {
      await b.waitForTimeout(700);
      const png = await video.screenshot();
      if (i === 0) writeFileSync(join(SHOTS, 'b-tile-of-a.png'), png);
      const face = await faceIn(png);
      expect(face, `screenshot ${i} of B's tile for A has a face`).not.toBeNull();
      if (!face) break;
      if (faces.length) moved.push(meanDistance(face.landmarks, faces[faces.length - 1].landmarks));
      faces.push(face);
    }
    console.log(JSON.stringify({ test: 'client-avatar', landmarkShiftPx: moved.map((m) => +m.toFixed(2)) }));
    expect(Math.max(...moved)).toBeGreaterThan(0.5);

    await b.check('#show-stats');
    await expect
      .poll(() => tileOf(b, aId).locator('.stats').textContent(), { timeout: 10_000 })
      .toMatch(/inference [0-9.]+ ms/);
    // The pipeline really runs in the agent (a passthrough reports 0.0 ms).
    await expect
      .poll(
        async () => {
          const m = /inference ([0-9.]+) ms/.exec(
            (await tileOf(b, aId).locator('.stats').textContent()) ?? '',
          );
          return m ? Number(m[1]) : 0;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    console.log(
      JSON.stringify({
        test: 'client-stats-overlay',
        text: await tileOf(b, aId).locator('.stats').textContent(),
      }),
    );
    await a.check('#show-stats');
    await a.waitForTimeout(1500);
    await a.screenshot({ path: join(SHOTS, 'a-page.png') });
    await b.screenshot({ path: join(SHOTS, 'b-page.png') });
  }, 180_000);

  it('eye contact toggles live and round trip, seen by B', async () => {
    const badges = tileOf(b, aId).locator('.badges');
    await a.check('#toggle-eyes');
    await expect.poll(() => badges.locator('[data-badge="eyes"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await badges.locator('[data-badge="avatar"]').count()).toBe(1);
    await a.uncheck('#toggle-eyes');
    await expect.poll(() => badges.locator('[data-badge="eyes"]').count(), { timeout: 15_000 }).toBe(0);
    await a.uncheck('#toggle-avatar');
    await expect.poll(() => badges.locator('[data-badge="avatar"]').count(), { timeout: 15_000 }).toBe(0);
    // Plain camera again: B still receives A's video.
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`);
    expect(await a.locator('.tile.self video.processed').isHidden()).toBe(true);
  }, 180_000);

  it('the clean feed page plays A alone, with no UI, and stays out of the tiles', async () => {
    const feed = await openPage(`/feed/${room}/${aId}`);
    await feed.waitForSelector('body[data-state="playing"]', { state: 'attached', timeout: 30_000 });
    await waitPlaying(feed, '#feed', 60_000);
    expect(await feed.locator('button, input, header').count()).toBe(0);
    const face = await faceIn(await feed.locator('#feed').screenshot());
    expect(face).not.toBeNull();
    // Viewers are participants on the server but not tiles in the call.
    expect(await b.locator('.tile').count()).toBe(2);
    // Found by display name too.
    const byName = await openPage(`/feed/${room}/alice`);
    await byName.waitForSelector('body[data-state="playing"]', { state: 'attached', timeout: 30_000 });
  }, 180_000);

  it('leaving removes the tile for the others', async () => {
    await a.click('#leave');
    await a.waitForSelector('body:not(.in-call)');
    await expect.poll(() => tileOf(b, aId).count(), { timeout: 15_000 }).toBe(0);
  }, 60_000);
});

function meanDistance(p: Float32Array, q: Float32Array): number {
  let s = 0;
  const n = Math.min(p.length, q.length) / 3;
  for (let i = 0; i < n; i++) s += Math.hypot(p[i * 3] - q[i * 3], p[i * 3 + 1] - q[i * 3 + 1]);
  return s / n;
}

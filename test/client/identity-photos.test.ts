// The identity photos in the page: the server serves them to their owner only (the x-gazecam-owner header),
// so the client shows them through blob: URLs it fetched with the header, after an upload and after a reload.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig } from './browser.ts';

const skipReason = chromiumMissing() || (fixturesAvailable() ? '' : 'no fixtures');

describe.skipIf(skipReason !== '')('identity photos in the web client (owner-only photos)', () => {
  let rig: BrowserRig;
  let identityDir: string;
  beforeAll(async () => {
    identityDir = mkdtempSync(join(tmpdir(), 'client-photos-'));
    rig = await startBrowserRig({ app: { identityDir } });
  }, 180_000);
  afterAll(async () => {
    await rig?.close();
    if (identityDir) rmSync(identityDir, { recursive: true, force: true });
  });

  /** The first thumbnail's src once its image has loaded. */
  const loadedThumb = async (page: Page): Promise<string> => {
    await page.waitForFunction(
      () => (document.querySelector<HTMLImageElement>('.thumb img')?.naturalWidth ?? 0) > 0,
      undefined,
      { timeout: 30_000 },
    );
    return (await page.locator('.thumb img').first().getAttribute('src')) ?? '';
  };

  it('shows an uploaded photo, and again after a reload, from blob: URLs', async () => {
    const page = await rig.openPage('/r/photos');
    await joinAs(page, 'alice');
    const jpeg = readFileSync(resolve(FIXTURES_DIR, 'identities', 's5.jpg'));
    await page.setInputFiles('#identity-file', { name: 's5.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.click('#identity-upload');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#identity-busy')?.hidden === true);
    expect(await page.locator('#identity-error').isHidden()).toBe(true);
    expect(await loadedThumb(page)).toMatch(/^blob:/);
    // The stored URL itself is refused without the owner header: a copied link shows nothing to anyone else.
    const [photo] = await listPhotos(page);
    const anonymous = await fetch(`${rig.base}${photo}`);
    expect(anonymous.status).toBe(400);

    await page.reload();
    await joinAs(page, 'alice');
    expect(await loadedThumb(page)).toMatch(/^blob:/);
  }, 180_000);
});

/** The photo paths the API lists for this page's owner (read in the page, with its token). */
function listPhotos(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const owner = localStorage.getItem('gazecam.owner') ?? '';
    const res = await fetch('/api/identities', { headers: { 'x-gazecam-owner': owner } });
    const body = (await res.json()) as { identities: Array<{ photos: Array<{ url: string }> }> };
    return body.identities.flatMap((i) => i.photos.map((p) => p.url));
  });
}

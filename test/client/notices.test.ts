// What the page tells its user, in chromium against the real server: a mode refused because every agent slot is
// taken (AGENT_LIMIT) shows a visible message and leaves the toggle off; a server restart shows the notice and
// the page rejoins the same room by itself once the server is back. The launcher is in-memory (no processes).
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeadlessCamera } from '../../src/probe/camera.ts';
import { type App, startApp } from '../../src/server/app.ts';
import type { HeadlessClient } from '../../src/signaling/headless-client.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';
import { joinAs as joinHeadless } from '../media/helpers.ts';
import { publishCamera } from '../signaling/camera.ts';
import { FakeLauncher } from '../signaling/fakes.ts';
import { type BrowserRig, chromiumMissing, joinAs, startBrowserRig } from './browser.ts';

const skipReason = chromiumMissing();
if (skipReason) console.warn(`browser notice tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('notices in chromium', () => {
  let rig: BrowserRig;
  let second: App | null = null;
  const launcher = new FakeLauncher();
  const others: HeadlessClient[] = [];
  const cameras: HeadlessCamera[] = [];

  beforeAll(async () => {
    rig = await startBrowserRig({ app: { launcher } });
  }, 120_000);

  afterAll(async () => {
    for (const c of cameras) c.stop();
    for (const c of others) c.close();
    await rig?.close();
    await second?.close();
  });

  it('AGENT_LIMIT: the refusal is shown and the toggle stays off', async () => {
    for (let i = 0; i < rig.app.signaling.agents.maxAgents; i++) {
      const u = await joinHeadless(rig.app, 'busy', `u${i}`);
      others.push(u.client);
      // Only users whose camera sends video hold an agent's place.
      cameras.push(await publishCamera(rig.app, u.client, 'busy', u.id));
      await u.client.settings({ mode: 'eyes' });
    }
    const page = await rig.openPage('/r/busy');
    await joinAs(page, 'late');
    await page.click('#toggle-eyes');
    await page.waitForSelector('#settings-error:not([hidden])');
    expect(await page.getAttribute('#settings-error', 'data-code')).toBe('AGENT_LIMIT');
    expect(await page.textContent('#settings-error')).toMatch(/server busy/i);
    expect(await page.isChecked('#toggle-eyes')).toBe(false);
    // Agents only for the users who hold the places (the in-memory agents never join, so a slow run may see
    // their start timeouts relaunch them).
    const served = new Set(launcher.launched.map((h) => h.options.forParticipantId));
    expect(served.size).toBe(rig.app.signaling.agents.maxAgents);
  }, 60_000);

  it('server restart: the page says so, then rejoins the same room when the server is back', async () => {
    const page = await rig.openPage('/r/restart');
    const before = await joinAs(page, 'stayer');
    const port = Number(new URL(rig.app.url).port);
    await rig.app.close();
    await page.waitForFunction(() =>
      /restarting/.test(document.querySelector('#call-error')?.textContent ?? ''),
    );
    second = await startApp({ port, clientDir: resolve(PROJECT_ROOT, 'client', 'dist') });
    await page.waitForFunction(
      (old) => {
        const id = document.body.dataset.participant;
        return document.body.classList.contains('in-call') && !!id && id !== old;
      },
      before,
      { timeout: 30_000 },
    );
    expect(await page.textContent('#room-label')).toBe('restart');
    // Every page rejoined (the one from the first test too).
    const server = second;
    await expect
      .poll(
        () =>
          server.signaling
            .stats()
            .rooms.map((r) => r.name)
            .sort(),
        { timeout: 30_000 },
      )
      .toEqual(['busy', 'restart']);
  }, 90_000);
});

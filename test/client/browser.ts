// Shared helpers for browser tests: the real app (client built with Vite) and Debian chromium via playwright-core.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { type App, type AppOptions, startApp } from '../../src/server/app.ts';
import { PROJECT_ROOT } from '../../src/util/paths.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = (): string =>
  existsSync(CHROMIUM) ? '' : `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;

/** Headless chromium with a fake camera (a fixture clip when given) and microphone, no prompts. */
export function chromiumArgs(fakeVideoFile?: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    ...(fakeVideoFile ? [`--use-file-for-fake-video-capture=${fakeVideoFile}`] : []),
    '--autoplay-policy=no-user-gesture-required',
  ];
}

/** Where buildClient writes the client, for startApp's clientDir. */
export const CLIENT_DIST = resolve(PROJECT_ROOT, 'client', 'dist');

/** Builds the client with Vite, as the browser tests serve it. */
export async function buildClient(): Promise<void> {
  await build({ configFile: resolve(PROJECT_ROOT, 'client', 'vite.config.ts'), logLevel: 'error' });
}

export interface BrowserRig {
  app: App;
  browser: Browser;
  /** http://localhost:<port>: a secure context, so getUserMedia works without TLS. */
  base: string;
  openPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

/** Builds the client, starts the app on a free port and launches chromium with a fake camera and microphone. */
export async function startBrowserRig(
  opts: { app?: AppOptions; fakeVideoFile?: string } = {},
): Promise<BrowserRig> {
  await buildClient();
  const app = await startApp({ port: 0, clientDir: CLIENT_DIST, ...opts.app });
  const base = `http://localhost:${new URL(app.url).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(opts.fakeVideoFile) });
  const contexts: BrowserContext[] = [];
  return {
    app,
    browser,
    base,
    async openPage(path) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      await page.goto(`${base}${path}`);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.close();
    },
  };
}

/** Fills the name, joins and returns the participant id the server gave. */
export async function joinAs(page: Page, name: string): Promise<string> {
  await page.fill('#name', name);
  await page.click('#join-btn');
  await page.waitForSelector('body.in-call', { timeout: 20_000 });
  return (await page.getAttribute('body', 'data-participant')) ?? '';
}

export const tileOf = (page: Page, id: string) => page.locator(`.tile[data-participant="${id}"]`);

/** Waits until the video element matching `selector` plays decoded frames. */
export async function waitPlaying(page: Page, selector: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const v = document.querySelector<HTMLVideoElement>(sel);
      return !!v && v.videoWidth > 0 && v.readyState >= 2 && !v.paused;
    },
    selector,
    { timeout },
  );
}

// HTTPS end to end: the server listens on one of this machine's non-loopback addresses, so it makes (and keeps)
// a self-signed certificate; Chromium accepts it in this test's contexts only (ignoreHTTPSErrors). The page is a
// secure context, getUserMedia works, two pages hold a call over wss signaling, and an agent (passthrough
// processor) connects back over TLS with the pinned certificate when eye contact goes on.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { machineAddresses } from '../../src/util/addresses.ts';
import {
  buildClient,
  CHROMIUM,
  CLIENT_DIST,
  chromiumArgs,
  chromiumMissing,
  joinAs,
  tileOf,
  waitPlaying,
} from '../client/browser.ts';

const host = machineAddresses()[0];
const skip = chromiumMissing() || (host ? '' : 'this machine has no non-loopback IPv4 address');
if (skip) console.warn(`https call test skipped: ${skip}`);

describe.skipIf(skip !== '')('a call over HTTPS with the self-signed certificate', () => {
  let app: App;
  let launcher: ProcessAgentLauncher;
  let browser: Browser;
  let tlsDir: string;
  const contexts: BrowserContext[] = [];
  const saved = { ...process.env };
  const room = `https-${Date.now().toString(36)}`;
  let a: Page;
  let b: Page;
  let aId = '';

  beforeAll(async () => {
    tlsDir = mkdtempSync(join(tmpdir(), 'https-call-'));
    process.env.TLS_DIR = tlsDir;
    await buildClient();
    launcher = new ProcessAgentLauncher({ poolSize: 0, processorModule: 'passthrough' });
    app = await startApp({ port: 0, host, clientDir: CLIENT_DIST, launcher });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs() });
  });

  afterAll(async () => {
    process.env = saved;
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    launcher?.close();
    await app?.close();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  async function openPage(): Promise<Page> {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    const res = await page.goto(`${app.url}/r/${room}`);
    // The certificate Chromium was served is the server's self-signed one.
    const details = await res?.securityDetails();
    expect(details?.subjectName).toBe('gazecam');
    expect(details?.issuer).toBe('gazecam');
    const x509 = new X509Certificate(app.tls?.cert ?? '');
    expect(details?.validTo).toBe(new Date(x509.validTo).getTime() / 1000);
    return page;
  }

  it('refuses the certificate where it was not accepted', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    await expect(page.goto(`${app.url}/`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });

  it('serves a secure context at https://<address>, the camera works and a call connects', async () => {
    expect(app.url).toBe(`https://${host}:${new URL(app.url).port}`);
    expect(app.tls?.source).toBe('self-signed');
    a = await openPage();
    expect(await a.evaluate(() => [location.protocol, window.isSecureContext])).toEqual(['https:', true]);
    aId = await joinAs(a, 'alice');
    b = await openPage();
    const bId = await joinAs(b, 'bob');
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`, 60_000);
    await waitPlaying(a, `.tile[data-participant="${bId}"] video.remote`, 60_000);
    console.log(JSON.stringify({ test: 'https-call', url: app.url, fingerprint: app.tls?.fingerprint }));
  }, 120_000);

  it('an agent joins over TLS (pinned certificate) and B receives the processed stream', async () => {
    await a.check('#toggle-eyes');
    await expect
      .poll(() => tileOf(b, aId).getAttribute('data-video'), { timeout: 90_000, interval: 500 })
      .toBe('processed');
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`, 30_000);
  }, 120_000);
});

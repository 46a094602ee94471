// Two network hosts: namespaces made by the test, joined by a veth pair. The server runs in the first as
// `npm start` does (HOST = its veth address, so HTTPS with a self-signed certificate, agents on the same host),
// one Chromium runs in the second host and another in the first. Alice, on the second host, uploads an
// identity and turns avatar mode on; Bob, on the server's host, sees her avatar (256 px, from the agent);
// Alice's media travels over the veth pair to the server's host candidate.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixturesAvailable, PROJECT_ROOT } from '../../src/util/paths.ts';
import {
  buildClient,
  CHROMIUM,
  chromiumArgs,
  chromiumMissing,
  joinAs,
  tileOf,
  waitPlaying,
} from '../client/browser.ts';
import { createNetnsPair, type NetnsPair, netnsRefused } from './netns.ts';
import { selectedPairs, trackPeerConnections } from './page-ice.ts';

const DRIVER = resolve(FIXTURES_DIR, 'drivers', 'd3.mjpeg');
const PORT = 8443;
const skip =
  chromiumMissing() ||
  (!fixturesAvailable() || !existsSync(DRIVER) ? `no fixture driver ${DRIVER}` : '') ||
  netnsRefused();
if (skip) console.warn(`two-host call test skipped: ${skip}`);

describe.skipIf(skip !== '')('a call between two network namespaces, avatar on', () => {
  let net: NetnsPair;
  let server: ChildProcess | undefined;
  let serverOut = '';
  let dataDir: string;
  const browsers: Browser[] = [];
  const contexts: BrowserContext[] = [];
  const room = `twohosts-${Date.now().toString(36)}`;
  let url = '';

  /** Starts `npm start`'s entry inside the server namespace; resolves with the URL it prints. */
  async function startServer(): Promise<string> {
    const child = spawn(
      net.server.wrap(process.execPath),
      ['--import', 'tsx', resolve(PROJECT_ROOT, 'src', 'cli', 'start.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          HOST: net.server.address,
          PORT: String(PORT),
          TLS_DIR: join(dataDir, 'tls'),
          IDENTITY_DIR: join(dataDir, 'identities'),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: agents and the spawner go with it in afterAll
      },
    );
    server = child;
    const keep = (b: Buffer) => {
      serverOut = (serverOut + b.toString('utf8')).slice(-30_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    for (let i = 0; i < 240; i++) {
      const m = /gazecam call server: (https?:\/\/\S+?)\/\s/.exec(serverOut);
      if (m) return m[1];
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`server did not start in ${net.server.ns}: ${serverOut}`);
  }

  async function launch(host: NetnsPair['server']): Promise<Browser> {
    const b = await chromium.launch({ executablePath: host.wrap(CHROMIUM), args: chromiumArgs(DRIVER) });
    browsers.push(b);
    return b;
  }

  async function openPage(browser: Browser): Promise<Page> {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
    contexts.push(ctx);
    await trackPeerConnections(ctx);
    const page = await ctx.newPage();
    // Chromium aborts a navigation with ERR_NETWORK_CHANGED when interfaces come or go while it loads (this
    // test, and others before it, add and remove veth links): that is the test's doing, so load again.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.goto(`${url}/r/${room}`);
        return page;
      } catch (e) {
        if (attempt >= 3 || !String(e).includes('ERR_NETWORK_CHANGED')) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'twohosts-'));
    await buildClient();
    net = createNetnsPair();
    url = await startServer();
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(-(server?.pid ?? 0), 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    }
    // Agents left behind by a killed server (same process group).
    try {
      if (server?.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      // none left
    }
    net?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('the server on the first host serves HTTPS at its veth address with a self-signed certificate', () => {
    expect(url).toBe(`https://${net.server.address}:${PORT}`);
    const fingerprint = /\n {2}([0-9A-F:]{95})\n/.exec(serverOut)?.[1];
    expect(serverOut).toMatch(/SELF-SIGNED CERTIFICATE/);
    console.log(JSON.stringify({ test: 'twohosts-server', url, fingerprint }));
    expect(fingerprint).toBeTruthy();
  });

  it('alice on the second host turns avatar mode on; bob on the first sees the avatar', async () => {
    const alice = await openPage(await launch(net.client));
    expect(await alice.evaluate(() => window.isSecureContext)).toBe(true);
    const aliceId = await joinAs(alice, 'alice');
    const bob = await openPage(await launch(net.server));
    const bobId = await joinAs(bob, 'bob');
    await waitPlaying(bob, `.tile[data-participant="${aliceId}"] video.remote`, 60_000);
    await waitPlaying(alice, `.tile[data-participant="${bobId}"] video.remote`, 60_000);

    // Alice's connections cross the veth pair: her address on the second host, the server's on the first.
    const pairs = await selectedPairs(alice);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    for (const p of pairs) {
      expect(p.localAddress).toMatch(new RegExp(`^${net.client.address.replaceAll('.', '\\.')}:`));
      expect(p.remoteAddress).toMatch(new RegExp(`^${net.server.address.replaceAll('.', '\\.')}:`));
    }

    await alice.setInputFiles('#identity-file', {
      name: 's5.jpg',
      mimeType: 'image/jpeg',
      buffer: readFileSync(resolve(FIXTURES_DIR, 'identities', 's5.jpg')),
    });
    await alice.click('#identity-upload');
    await expect.poll(() => alice.locator('#identities .identity').count(), { timeout: 60_000 }).toBe(1);
    await alice.check('#toggle-avatar');
    await expect
      .poll(() => tileOf(bob, aliceId).getAttribute('data-video'), { timeout: 150_000, interval: 500 })
      .toBe('processed');
    const video = tileOf(bob, aliceId).locator('video.remote');
    // The avatar renderer's output (256x256), not Alice's 512x512 camera.
    await expect
      .poll(() => video.evaluate((v) => (v as HTMLVideoElement).videoWidth), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(256);
    await waitPlaying(bob, `.tile[data-participant="${aliceId}"] video.remote`, 30_000);
    console.log(
      JSON.stringify({
        test: 'twohosts-avatar',
        alice: pairs.map((p) => `${p.local} ${p.localAddress} -> ${p.remote} ${p.remoteAddress}`),
      }),
    );
  }, 400_000);
});

// A call forced through a real TURN server: coturn on loopback, the server hands out REST-API credentials and
// ICE_TRANSPORT_POLICY=relay in the join ack, so two Chromium pages may only use relay candidates. Video flows
// both ways, and every connection of both pages selected a relay candidate pair that carries bytes.
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/server/app.ts';
import {
  buildClient,
  CHROMIUM,
  CLIENT_DIST,
  chromiumArgs,
  chromiumMissing,
  joinAs,
  waitPlaying,
} from '../client/browser.ts';
import { type Coturn, startCoturn, turnserverMissing } from './coturn.ts';
import { selectedPairs, trackPeerConnections } from './page-ice.ts';

const skip = chromiumMissing() || turnserverMissing();
if (skip) console.warn(`relay call test skipped: ${skip}`);

describe.skipIf(skip !== '')('a call relayed through coturn (iceTransportPolicy relay)', () => {
  let turn: Coturn;
  let app: App;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const saved = { ...process.env };
  const room = `relay-${Date.now().toString(36)}`;

  beforeAll(async () => {
    turn = await startCoturn();
    process.env.TURN_URLS = turn.url;
    process.env.TURN_SECRET = turn.secret;
    process.env.ICE_TRANSPORT_POLICY = 'relay';
    await buildClient();
    // A loopback host candidate on the SFU: coturn relays on loopback (--allow-loopback-peers).
    app = await startApp({
      port: 0,
      host: '127.0.0.1',
      clientDir: CLIENT_DIST,
      sfu: { extraHostAddresses: ['127.0.0.1'] },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs() });
  });

  afterAll(async () => {
    process.env = saved;
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await app?.close();
    await turn?.close();
  });

  async function openPage(): Promise<Page> {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    await trackPeerConnections(ctx);
    const page = await ctx.newPage();
    // localhost: a secure context over plain HTTP, so getUserMedia works.
    await page.goto(`http://localhost:${new URL(app.url).port}/r/${room}`);
    return page;
  }

  it('two pages reach each other only through TURN relays, video both ways', async () => {
    const a = await openPage();
    const aId = await joinAs(a, 'alice');
    const b = await openPage();
    const bId = await joinAs(b, 'bob');
    await waitPlaying(b, `.tile[data-participant="${aId}"] video.remote`, 60_000);
    await waitPlaying(a, `.tile[data-participant="${bId}"] video.remote`, 60_000);
    // Both pages: a publish and a subscribe connection each, all on relay pairs that carried media.
    for (const page of [a, b]) {
      await expect
        .poll(
          async () => (await selectedPairs(page)).filter((p) => p.bytesReceived + p.bytesSent > 0).length,
          {
            timeout: 20_000,
          },
        )
        .toBe(2);
    }
    const pairs = { a: await selectedPairs(a), b: await selectedPairs(b) };
    console.log(JSON.stringify({ test: 'relay-call', ...pairs }));
    for (const p of [...pairs.a, ...pairs.b]) {
      expect(p.state).toBe('connected');
      expect(p.local).toBe('relay');
      expect(p.localAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  }, 180_000);
});

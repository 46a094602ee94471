// The browser extension in real Chromium (Debian's, playwright-core persistent context, --load-extension) with
// the real server, a real agent process (the frame pipeline) and a fake camera playing a fixture driver clip
// stamped with its frame counter. A call page on another origin than the server lists the gazecam camera, opens
// it, and sends the track to a second page over its own RTCPeerConnection; the popup sets the server, adopts the
// owner token from the server's page, picks the identity and toggles avatar mode live. Then the agent is killed
// and the server stopped: the track shows the placeholder, never the camera.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHumanPeer, type HumanPeer } from '../../bench/peer/human.ts';
import { cosine } from '../../bench/quality-metrics.ts';
import { GAZECAM_EXTENSION_ID } from '../../src/config.ts';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { PIPELINE_PROCESSOR_MODULE } from '../../src/inference/agent/pipeline-processor.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { joinMjpeg, readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { decodeImage, encodeJpeg, i420ToRgba, rgbaToI420 } from '../../src/video/image.ts';
import { writeStamp } from '../../src/video/stamp.ts';
import { buildExtension } from '../../tools/build-extension.ts';
import { buildClient, CHROMIUM, CLIENT_DIST, chromiumArgs, chromiumMissing } from './browser.ts';
import { startCallSite } from './extension-pages.ts';

process.env.AGENT_START_TIMEOUT_MS ??= '150000';
// The watchdog would replace an agent that is only slow on this loaded machine (README, Limits).
process.env.AGENT_WATCHDOG_MS ??= '5000';
const DRIVER = resolve(FIXTURES_DIR, 'drivers', 'd3.mjpeg');
const IDENTITY = resolve(FIXTURES_DIR, 'identities', 's5.jpg');
const OWNER = 'extension-test-owner-0123456789';
const skipReason =
  chromiumMissing() || (!fixturesAvailable() || !existsSync(DRIVER) ? `no fixture driver ${DRIVER}` : '');
if (skipReason) console.warn(`extension tests skipped: ${skipReason}`);

type Frames = Array<[number, number, number]>;

describe.skipIf(skipReason !== '')('gazecam extension in chromium', () => {
  let app: App;
  let launcher: ProcessAgentLauncher;
  let ctx: BrowserContext;
  let site: Awaited<ReturnType<typeof startCallSite>>;
  let peer: HumanPeer;
  let work: string;
  let call: Page;
  let far: Page;
  let popup: Page;
  const faces: { identity?: Float32Array; driver?: Float32Array } = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gazecam-ext-'));
    // The driver clip with the frame counter stamped in: the agent carries it to its output (keepStamp).
    const stamped: Buffer[] = [];
    const jpegs = readMjpeg(DRIVER);
    for (let i = 0; i < jpegs.length; i++) {
      const frame = rgbaToI420(await decodeImage(jpegs[i]));
      writeStamp(frame, i);
      stamped.push(await encodeJpeg(i420ToRgba(frame), 92));
    }
    const camera = join(work, 'camera.mjpeg');
    writeFileSync(camera, joinMjpeg(stamped));
    launcher = new ProcessAgentLauncher({
      env: { IDENTITY_DIR: join(work, 'identities') },
      processorModule: PIPELINE_PROCESSOR_MODULE,
      keepStamp: true,
      // Not below the other jobs of a shared machine: a starved agent takes minutes to start.
      niceness: 0,
    });
    await buildClient();
    app = await startApp({
      port: 0,
      clientDir: CLIENT_DIST,
      identityDir: join(work, 'identities'),
      launcher,
    });
    site = await startCallSite();
    const { dir } = await buildExtension({ minify: false });
    ctx = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: false,
      viewport: { width: 800, height: 600 },
      // Extensions load only in the new headless mode; the rest are the shared fake-camera flags.
      args: [
        ...chromiumArgs(camera).map((a) => (a === '--headless' ? '--headless=new' : a)),
        `--disable-extensions-except=${dir}`,
        `--load-extension=${dir}`,
      ],
    });
    peer = await createHumanPeer({ embedding: true, detectEveryFrame: true });
    faces.identity = (await peer.detect(await decodeImage(readFileSync(IDENTITY))))?.embedding;
    faces.driver = (await peer.detect(await decodeImage(jpegs[0])))?.embedding;
  }, 300_000);

  afterAll(async () => {
    await ctx?.close().catch(() => undefined);
    await site?.close();
    await app?.close();
    launcher?.close();
    await peer?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  type Whose = { identity: number; driver: number; faces: number };

  /** Identity cosine (median over several frames of `size`) of what a video element shows: to the identity
   * photo and to the driver's face. Frames of another size (placeholder, camera) are not judged. */
  async function whose(page: Page, selector: string, want = '256x256'): Promise<Whose> {
    return sample(async () => {
      await page.bringToFront(); // a background tab does not paint its videos
      if ((await size(page, selector)) !== want) return null;
      return page.locator(selector).screenshot();
    });
  }

  /** The same for frames taken from the call page's gazecam track itself. */
  async function whoseTrack(page: Page): Promise<Whose> {
    return sample(async () => {
      const shot = await page.evaluate(() => {
        type Snap = { width: number; height: number; png: string };
        const w = window as unknown as { snap: (t: MediaStreamTrack) => Promise<Snap>; cam: MediaStream };
        return w.snap(w.cam.getVideoTracks()[0]);
      });
      return shot.width === 256 ? Buffer.from(shot.png, 'base64') : null;
    });
  }

  async function sample(grab: () => Promise<Buffer | null>): Promise<Whose> {
    const scores: Array<{ identity: number; driver: number }> = [];
    for (let i = 0; i < 30 && scores.length < 5; i++) {
      const png = await grab();
      const s = png ? await judge(png) : null;
      if (s && Number.isFinite(s.identity)) scores.push(s);
      await new Promise((r) => setTimeout(r, 500));
    }
    const median = (k: 'identity' | 'driver') => {
      const v = scores.map((s) => s[k]).sort((a, b) => a - b);
      return v.length ? +v[Math.floor(v.length / 2)].toFixed(3) : Number.NaN;
    };
    return { identity: median('identity'), driver: median('driver'), faces: scores.length };
  }

  async function judge(png: Buffer): Promise<{ identity: number; driver: number }> {
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const face = await peer.detect({ format: 'rgba', width: info.width, height: info.height, data });
    const e = face?.embedding;
    if (!e) return { identity: Number.NaN, driver: Number.NaN };
    return { identity: cosine(e, faces.identity!), driver: cosine(e, faces.driver!) };
  }

  const frames = (page: Page, name: string) =>
    page.evaluate(
      (n) => (window as unknown as { log: { frames: Record<string, Frames> } }).log.frames[n],
      name,
    );
  const size = (page: Page, sel: string) =>
    page.evaluate((s) => {
      const v = document.querySelector<HTMLVideoElement>(s);
      return v ? `${v.videoWidth}x${v.videoHeight}` : '';
    }, sel);

  it('loads with its fixed id; the popup takes the server, the owner token from its page, the identity', async () => {
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
    expect(new URL(sw.url()).host).toBe(GAZECAM_EXTENSION_ID);
    // The user's identity, uploaded on the server's page (here: its API with that page's owner token).
    const res = await fetch(`${app.url}/api/identities`, {
      method: 'POST',
      headers: { 'x-gazecam-owner': OWNER, 'content-type': 'image/jpeg' },
      body: readFileSync(IDENTITY),
    });
    expect(res.status).toBe(201);
    const { identity } = (await res.json()) as { identity: { id: string } };

    popup = await ctx.newPage();
    await popup.goto(`chrome-extension://${GAZECAM_EXTENSION_ID}/popup.html`);
    await popup.fill('#server', app.url);
    await popup.click('#server-save');
    await expect
      .poll(() => popup.textContent('#server-state'), { timeout: 30_000 })
      .toContain('connected to');
    // The server's page holds the owner token; the extension adopts it there.
    const serverPage = await ctx.newPage();
    await serverPage.goto(`${app.url}/`);
    await serverPage.evaluate((t) => localStorage.setItem('gazecam.owner', t), OWNER);
    await serverPage.reload();
    await expect
      .poll(
        () =>
          sw.evaluate(async () => {
            type Storage = { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } };
            const ext = (globalThis as unknown as { chrome: Storage }).chrome;
            return (await ext.storage.local.get('owner')).owner;
          }),
        {
          timeout: 60_000,
        },
      )
      .toBe(OWNER);
    await popup.reload();
    await expect
      .poll(() => popup.locator(`#identity option[value="${identity.id}"]`).count(), { timeout: 60_000 })
      .toBe(1);
    await popup.selectOption('#identity', identity.id);
    expect(await popup.isChecked('#avatar')).toBe(true);
    expect(await popup.isChecked('#eyes')).toBe(false);
    await serverPage.close();
  }, 240_000);

  it('a call page on another origin lists the camera and gets the avatar; a second page receives it', async () => {
    call = await ctx.newPage();
    await call.goto(site.url);
    expect(new URL(site.url).origin).not.toBe(new URL(app.url).origin);
    const devices = await call.evaluate(async () =>
      (await navigator.mediaDevices.enumerateDevices()).map((d) => `${d.kind}:${d.deviceId}:${d.label}`),
    );
    expect(devices.some((d) => d.startsWith('videoinput:gazecam:gazecam'))).toBe(true);

    const opened = await call.evaluate(async () => {
      const w = window as unknown as Record<string, (...a: unknown[]) => unknown>;
      const t0 = performance.now();
      const s = await navigator.mediaDevices.getUserMedia({
        video: { deviceId: { exact: 'gazecam' } },
        audio: true,
      });
      const plain = await navigator.mediaDevices.getUserMedia({ video: true });
      (window as unknown as Record<string, unknown>).cam = s;
      w.watch('gazecam', s.getVideoTracks()[0], true);
      w.watch('plain', plain.getVideoTracks()[0], true);
      await w.show('local', s);
      const v = s.getVideoTracks()[0];
      return {
        t0,
        label: v.label,
        deviceId: v.getSettings().deviceId,
        audio: s.getAudioTracks().map((a) => a.label),
        plain: `${plain.getVideoTracks()[0].getSettings().width}x${plain.getVideoTracks()[0].getSettings().height}`,
      };
    });
    expect(opened.deviceId).toBe('gazecam');
    // Beside the real cameras (listed with ids now that the page holds camera permission).
    const after = await call.evaluate(async () =>
      (await navigator.mediaDevices.enumerateDevices())
        .filter((d) => d.kind === 'videoinput')
        .map((d) => d.deviceId),
    );
    console.log(JSON.stringify({ test: 'extension-devices', before: devices, videoinputs: after }));
    expect(after).toContain('gazecam');
    expect(after.filter((d) => d !== 'gazecam').length).toBeGreaterThan(0);
    expect(opened.audio).toHaveLength(1); // the browser's own microphone track, untouched
    // First processed frame: the avatar is 256x256 (the placeholder 320x240, the camera the clip's 512x512).
    await expect
      .poll(async () => (await frames(call, 'gazecam'))?.some(([, w, h]) => w === 256 && h === 256), {
        timeout: 240_000,
        interval: 500,
      })
      .toBe(true);
    const first = (await frames(call, 'gazecam')).find(([, w, h]) => w === 256 && h === 256)!;
    const firstProcessedS = (first[0] - opened.t0) / 1000;
    const before = (await frames(call, 'gazecam')).filter(([at]) => at < first[0]);
    expect(before.every(([, w, h]) => w === 320 && h === 240)).toBe(true); // the placeholder, never the camera

    // The call app sends the track to a second page over its own RTCPeerConnection.
    far = await ctx.newPage();
    await far.goto(site.url);
    const offer = await call.evaluate(async () => {
      const pc = new RTCPeerConnection();
      (window as unknown as Record<string, unknown>).pc = pc;
      const s = (window as unknown as { cam: MediaStream }).cam;
      for (const t of s.getVideoTracks()) pc.addTrack(t, s);
      await pc.setLocalDescription(await pc.createOffer());
      await (window as unknown as { gathered: (p: RTCPeerConnection) => Promise<void> }).gathered(pc);
      return pc.localDescription?.toJSON();
    });
    const answer = await far.evaluate(
      (o) => (window as unknown as { answer: (x: unknown) => unknown }).answer(o),
      offer,
    );
    await call.evaluate(
      (a) =>
        (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(
          a as RTCSessionDescriptionInit,
        ),
      answer,
    );
    await expect.poll(() => size(far, '#remote'), { timeout: 120_000, interval: 500 }).toBe('256x256');
    await far.waitForTimeout(3000);
    const fps = await far.evaluate(() =>
      (window as unknown as { receivedFps: (ms: number) => Promise<number> }).receivedFps(5000),
    );
    const seen = await whose(far, '#remote');
    const local = await whoseTrack(call);
    const latency = await addedLatency(call);
    console.log(
      JSON.stringify({
        test: 'extension-avatar',
        firstProcessedS: +firstProcessedS.toFixed(2),
        secondPageFps: +fps.toFixed(1),
        addedLatencyMs: latency,
        plainCamera: opened.plain,
        cosine: { secondPage: seen, callPage: local },
      }),
    );
    // The identity's face, not the driver's (different people read ~0.4, the same person ~0.9: README).
    expect(seen.faces).toBeGreaterThanOrEqual(3);
    expect(local.faces).toBeGreaterThanOrEqual(3);
    expect(seen.identity).toBeGreaterThan(seen.driver + 0.15);
    expect(local.identity).toBeGreaterThan(local.driver + 0.15);
    expect(fps).toBeGreaterThan(0);
  }, 420_000);

  it('the popup shows the camera in use; avatar off turns the same track into the camera, on again the avatar', async () => {
    await popup.reload();
    await expect.poll(() => popup.textContent('#tabs'), { timeout: 10_000 }).toMatch(/processed .*fps/);
    expect(await popup.locator('#preview').isVisible()).toBe(true);
    await popup.uncheck('#avatar');
    // Same track, no new getUserMedia: it now carries the camera's frames (the clip's size), seen by the far page.
    await expect.poll(() => size(far, '#remote'), { timeout: 30_000, interval: 500 }).not.toBe('256x256');
    await far.waitForTimeout(1500);
    const plain = await whose(far, '#remote', await size(far, '#remote'));
    console.log(
      JSON.stringify({ test: 'extension-avatar-off', size: await size(far, '#remote'), cosine: plain }),
    );
    expect(plain.driver).toBeGreaterThan(plain.identity + 0.15);
    await popup.check('#avatar');
    await expect.poll(() => size(far, '#remote'), { timeout: 120_000, interval: 500 }).toBe('256x256');
  }, 240_000);

  it('agent killed: the placeholder; the page stops the track: the session ends; server down: the placeholder', async () => {
    const since = await call.evaluate(() => performance.now());
    const [handle] = [...launcher.handles];
    expect(handle?.pid).toBeDefined();
    process.kill(handle.pid as number, 'SIGKILL');
    await expect
      .poll(async () => (await frames(call, 'gazecam')).some(([at, w]) => at > since && w === 320), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    await popup.reload();
    await expect.poll(() => popup.textContent('#tabs'), { timeout: 10_000 }).toMatch(/placeholder/);
    const why = await popup.textContent('#tabs');

    // The call hangs up: the page stops its tracks; the camera session leaves and its private room closes.
    const rooms = () =>
      app.signaling
        .stats()
        .rooms.map((r) => r.name)
        .filter((n) => n.startsWith('cam-'));
    const [room] = rooms();
    expect(room).toBeDefined();
    await call.evaluate(() => {
      const w = window as unknown as { cam: MediaStream; pc: RTCPeerConnection; clones: MediaStreamTrack[] };
      for (const t of [...w.cam.getTracks(), ...w.clones]) t.stop();
      w.pc.close();
    });
    await expect.poll(rooms, { timeout: 20_000 }).toEqual([]);
    expect(app.signaling.cameras.isPrivate(room)).toBe(false);
    const killed = (await frames(call, 'gazecam')).filter(([at]) => at > since);

    // A new call opens the camera again (a new session); the server then stops.
    await call.evaluate(async () => {
      const w = window as unknown as { watch: (n: string, t: MediaStreamTrack, s: boolean) => void };
      const s = await navigator.mediaDevices.getUserMedia({ video: { deviceId: 'gazecam' } });
      w.watch('again', s.getVideoTracks()[0], false);
    });
    await expect
      .poll(async () => (await frames(call, 'again'))?.length ?? 0, { timeout: 20_000 })
      .toBeGreaterThan(5);
    const down = await call.evaluate(() => performance.now());
    await app.close();
    await call.waitForTimeout(4000);
    const again = await frames(call, 'again');
    const sizes = (list: Frames) => [...new Set(list.map(([, w, h]) => `${w}x${h}`))];
    await popup.reload();
    await expect.poll(() => popup.textContent('#tabs'), { timeout: 10_000 }).toMatch(/not connected/);
    console.log(
      JSON.stringify({
        test: 'extension-failures',
        agentKilled: { sizes: sizes(killed), frames: killed.length, popup: why },
        serverDown: { sizes: sizes(again), frames: again.length, popup: await popup.textContent('#tabs') },
      }),
    );
    // Avatar frames (256) and placeholders (320x240) only: not one camera frame (the clip's 512x512).
    expect(sizes(killed).every((x) => x === '256x256' || x === '320x240')).toBe(true);
    expect(sizes(again).every((x) => x === '256x256' || x === '320x240')).toBe(true);
    const afterDown = again.filter(([at]) => at > down + 1000);
    expect(afterDown.length).toBeGreaterThan(10); // it never froze
    expect(sizes(afterDown)).toEqual(['320x240']);
    expect(await popup.textContent('#tabs')).toMatch(/disconnected|unreachable|restarting/i);
  }, 180_000);
});

/** Median and p95 of how much later a stamped frame reaches the page on the gazecam track than on the plain camera. */
async function addedLatency(page: Page): Promise<{ p50: number; p95: number; n: number }> {
  await page.waitForTimeout(5000);
  const { plain, gazecam } = await page.evaluate(() => {
    const s = (window as unknown as { log: { stamps: Record<string, Array<[number, number]>> } }).log.stamps;
    return { plain: s.plain, gazecam: s.gazecam };
  });
  const lags: number[] = [];
  for (const [at, v] of gazecam.slice(-200)) {
    const source = plain.filter(([t, p]) => p === v && t <= at).pop();
    if (source && at - source[0] < 3000) lags.push(at - source[0]);
  }
  lags.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? -1);
  return { p50: q(0.5), p95: q(0.95), n: lags.length };
}

// `npm run vcam` writing to a file (no v4l2loopback module here): the real command, ffmpeg playing a fixture
// driver clip as the camera, the real server and agent process. The file gets frames at the source rate, the
// avatar's pixels once the agent serves (the identity's face, not the driver's), and before that, and whenever
// the server cannot be reached, the placeholder: never a camera frame in avatar mode.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHumanPeer, type HumanPeer } from '../../bench/peer/human.ts';
import { cosine } from '../../bench/quality-metrics.ts';
import { fitInto, parseSize } from '../../src/cli/vcam-frames.ts';
import { ProcessAgentLauncher } from '../../src/inference/agent/launcher.ts';
import { PIPELINE_PROCESSOR_MODULE } from '../../src/inference/agent/pipeline-processor.ts';
import { type App, startApp } from '../../src/server/app.ts';
import { readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable, PROJECT_ROOT } from '../../src/util/paths.ts';
import type { I420Frame } from '../../src/video/frame.ts';
import { decodeImage, i420ToRgba, rgbaToI420 } from '../../src/video/image.ts';

process.env.AGENT_START_TIMEOUT_MS ??= '150000';
// The watchdog would replace an agent that is only slow on this loaded machine (README, Limits).
process.env.AGENT_WATCHDOG_MS ??= '5000';
const DRIVER = resolve(FIXTURES_DIR, 'drivers', 'd3.mjpeg');
const IDENTITY = resolve(FIXTURES_DIR, 'identities', 's5.jpg');
const skipReason = !existsSync('/usr/bin/ffmpeg')
  ? 'no ffmpeg (apt-get install ffmpeg)'
  : !fixturesAvailable() || !existsSync(DRIVER)
    ? `no fixture driver ${DRIVER}`
    : '';
if (skipReason) console.warn(`vcam tests skipped: ${skipReason}`);

/** Runs `npm run vcam`'s entry; resolves with its exit code and its stderr summary line. `stopAt`: SIGTERM
 * (as Ctrl-C would) once the output file holds this many bytes. */
function vcam(args: string[], stopAt?: { file: string; bytes: number }) {
  return new Promise<{ code: number | null; summary: Record<string, number> | null; err: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/vcam.ts', ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    const t = stopAt
      ? setInterval(() => {
          if (existsSync(stopAt.file) && statSync(stopAt.file).size >= stopAt.bytes) child.kill('SIGTERM');
        }, 200)
      : undefined;
    child.on('exit', (code) => {
      clearInterval(t);
      const line = err.split('\n').find((l) => l.includes('"vcam":"summary"'));
      done({ code, summary: line ? JSON.parse(line) : null, err });
    });
  });
}

/** Frame slots pass at the source rate (25/s); on a loaded machine ffmpeg may fall behind and some are skipped
 * (latest frame wins), but most are written. */
function expectSourceRate(summary: Record<string, number> | null): void {
  const { frames, skipped, seconds } = summary ?? { frames: 0, skipped: 0, seconds: 1 };
  expect((frames + skipped) / seconds).toBeGreaterThan(25 * 0.9);
  expect((frames + skipped) / seconds).toBeLessThan(25 * 1.1);
  expect(frames / seconds).toBeGreaterThan(25 * 0.6);
}

/** The frames of a YUV4MPEG2 file and its header's rate. */
function readY4m(path: string): { width: number; height: number; fps: string; frames: I420Frame[] } {
  const buf = readFileSync(path);
  const headerEnd = buf.indexOf(0x0a);
  const header = buf.subarray(0, headerEnd).toString();
  const width = Number(/ W(\d+)/.exec(header)?.[1]);
  const height = Number(/ H(\d+)/.exec(header)?.[1]);
  const fps = /F(\d+:\d+)/.exec(header)?.[1] ?? '';
  const size = width * height * 1.5;
  const frames: I420Frame[] = [];
  for (let at = headerEnd + 1; at < buf.length; ) {
    const lineEnd = buf.indexOf(0x0a, at);
    if (lineEnd < 0 || lineEnd + 1 + size > buf.length) break;
    frames.push({
      format: 'i420',
      width,
      height,
      data: new Uint8Array(buf.subarray(lineEnd + 1, lineEnd + 1 + size)),
    });
    at = lineEnd + 1 + size;
  }
  return { width, height, fps, frames };
}

describe.skipIf(skipReason !== '')('npm run vcam to a file', () => {
  let app: App;
  let launcher: ProcessAgentLauncher;
  let work: string;
  let peer: HumanPeer;
  const faces: { identity?: Float32Array; driver?: Float32Array } = {};
  const size = parseSize('320x240')!;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gazecam-vcam-'));
    // Not below the other jobs of a shared machine: a starved agent takes minutes to start.
    launcher = new ProcessAgentLauncher({ processorModule: PIPELINE_PROCESSOR_MODULE, niceness: 0 });
    app = await startApp({ port: 0, launcher, identityDir: join(work, 'identities') });
    peer = await createHumanPeer({ embedding: true, detectEveryFrame: true });
    faces.identity = (await peer.detect(await decodeImage(readFileSync(IDENTITY))))?.embedding;
    // The driver's face as the vcam would show it: fitted into the output size like every frame.
    const driver = fitInto(rgbaToI420(await decodeImage(readMjpeg(DRIVER)[0])), size);
    faces.driver = (await peer.detect(i420ToRgba(driver)))?.embedding;
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    launcher?.close();
    await peer?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('server unreachable, avatar mode: only the placeholder, at the source rate', async () => {
    const out = join(work, 'down.y4m');
    const common = ['--identity', 's5', '--camera', DRIVER, '--size', '320x240', '--fps', '25'];
    // 100 frames of 320x240 (plus the per-frame headers).
    const run = await vcam(['--server', 'http://127.0.0.1:9', ...common, '--out', out], {
      file: out,
      bytes: 100 * (320 * 240 * 1.5 + 6),
    });
    expect(run.code, run.err).toBe(0);
    const y4m = readY4m(out);
    expect(y4m.fps).toBe('25:1');
    expect(y4m.frames.length).toBe(run.summary?.frames);
    // Only placeholder pictures (one per reason shown: "connecting", then "unreachable"), none with a face.
    const pictures = new Set(y4m.frames.map((f) => createHash('sha1').update(f.data).digest('hex')));
    console.log(JSON.stringify({ test: 'vcam-server-down', ...run.summary, pictures: pictures.size }));
    expect(y4m.frames.length).toBeGreaterThan(25);
    expect(pictures.size).toBeLessThanOrEqual(3);
    expect(await peer.detect(i420ToRgba(y4m.frames[y4m.frames.length - 1]))).toBeNull();
    expectSourceRate(run.summary);
  }, 120_000);

  it("avatar: the identity's face, never the camera's; frames at the source rate", async () => {
    const out = join(work, 'avatar.y4m');
    const run = await vcam([
      '--server',
      app.url,
      '--identity',
      's5',
      '--camera',
      DRIVER,
      '--size',
      '320x240',
      '--fps',
      '25',
      '--out',
      out,
      '--until-processed',
      '75',
    ]);
    expect(run.code, run.err).toBe(0);
    const y4m = readY4m(out);
    expect(y4m.frames.length).toBe(run.summary?.frames);
    // Every 5th frame: a face there is the identity's (placeholder frames have none).
    const judged: Array<{ i: number; identity: number; driver: number }> = [];
    for (let i = 0; i < y4m.frames.length; i += 5) {
      const e = (await peer.detect(i420ToRgba(y4m.frames[i])))?.embedding;
      if (e) judged.push({ i, identity: cosine(e, faces.identity!), driver: cosine(e, faces.driver!) });
    }
    const leaked = judged.filter((j) => j.driver >= j.identity);
    const mean = (k: 'identity' | 'driver') =>
      judged.reduce((s, j) => s + j[k], 0) / Math.max(1, judged.length);
    console.log(
      JSON.stringify({
        test: 'vcam-avatar',
        ...run.summary,
        judged: judged.length,
        cosineIdentity: +mean('identity').toFixed(3),
        cosineDriver: +mean('driver').toFixed(3),
        leaked: leaked.length,
      }),
    );
    expect(judged.length).toBeGreaterThanOrEqual(10);
    expect(leaked).toEqual([]);
    expect(mean('identity')).toBeGreaterThan(mean('driver') + 0.15);
    expectSourceRate(run.summary);
  }, 400_000);
});

// `npm run vcam`: the processed camera as a desktop camera on Linux. ffmpeg reads the real camera (or a clip),
// the frames go to the gazecam server as a private camera session (vcam-session.ts), and the processed video
// comes back and is written, at the camera's rate, into a v4l2loopback device (Zoom, Teams, OBS on the desktop
// see a camera) or into a file or pipe. What is written follows cameraSource, as in the browser extension:
// avatar mode never writes a camera frame (a placeholder while the avatar is not there), eye contact falls back
// to the camera.
//   npm run vcam -- --device /dev/video10 [--camera /dev/video0 | --camera clip.mjpeg] [--server URL]
//     [--owner TOKEN] [--identity ID] [--mode avatar|eyes|both|none] [--size 640x480] [--fps 25]
//   npm run vcam -- --out out.y4m|out.mkv|- ...   (a file or stdout instead of a device; --until-processed N)
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import wrtc from '@roamhq/wrtc';
import { cameraSource } from '../signaling/camera-source.ts';
import { type Mode, ModeSchema } from '../signaling/protocol.ts';
import { createLogger } from '../util/logger.ts';
import type { I420Frame } from '../video/frame.ts';
import { fitInto, parseSize, placeholderFrame, type Size } from './vcam-frames.ts';
import { VcamSession } from './vcam-session.ts';

const { RTCVideoSource } = wrtc.nonstandard;
const log = createLogger('cli:vcam');
const FLOWING_MS = 700;
/** Frames waiting for the output ffmpeg before new ones are skipped (a late tick writes up to 5 at once). */
const MAX_QUEUED = 8;
const USAGE =
  'usage: npm run vcam -- (--device /dev/videoN | --out FILE|-) [--camera /dev/video0|CLIP] [--server URL]\n' +
  '         [--owner TOKEN] [--identity ID] [--mode avatar|eyes|both|none] [--size 640x480] [--fps 25]\n' +
  '         [--until-processed N]';

interface VcamOptions {
  device?: string;
  out?: string;
  camera: string;
  server: string;
  owner: string;
  identityId: string | null;
  mode: Mode;
  size: Size;
  fps: number;
  untilProcessed?: number;
}

function fail(message: string): never {
  console.error(`vcam: ${message}\n${USAGE}`);
  process.exit(2);
}

function parse(argv: string[]): VcamOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string' },
      out: { type: 'string' },
      camera: { type: 'string', default: '/dev/video0' },
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      owner: { type: 'string' },
      identity: { type: 'string' },
      mode: { type: 'string', default: 'avatar' },
      size: { type: 'string', default: '640x480' },
      fps: { type: 'string', default: '25' },
      'until-processed': { type: 'string' },
    },
  });
  if (!values.device === !values.out) fail('give exactly one of --device and --out');
  const mode = ModeSchema.safeParse(values.mode);
  if (!mode.success) fail(`--mode ${values.mode}: avatar, eyes, both or none`);
  const size = parseSize(values.size);
  if (!size) fail(`--size ${values.size}: WIDTHxHEIGHT, even numbers`);
  const fps = Number(values.fps);
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) fail(`--fps ${values.fps}: 1-60`);
  if ((mode.data === 'avatar' || mode.data === 'both') && !values.identity)
    fail('avatar mode needs --identity');
  // The owner token of your uploads (the web page's localStorage "gazecam.owner"); fixture portraits need none.
  const owner = values.owner ?? process.env.GAZECAM_OWNER ?? randomBytes(18).toString('hex');
  const until = values['until-processed'] === undefined ? undefined : Number(values['until-processed']);
  return {
    device: values.device,
    out: values.out,
    camera: values.camera,
    server: values.server.replace(/\/$/, ''),
    owner,
    identityId: values.identity ?? null,
    mode: mode.data,
    size,
    fps,
    untilProcessed: until,
  };
}

/** ffmpeg reading the camera (a v4l2 device, or a clip played at its rate, looped) as raw I420 of `size`. */
function openCamera(o: VcamOptions): ChildProcess {
  const { width: w, height: h } = o.size;
  const input = o.camera.startsWith('/dev/')
    ? ['-f', 'v4l2', '-framerate', String(o.fps), '-i', o.camera]
    : ['-re', '-stream_loop', '-1', '-framerate', String(o.fps), '-i', o.camera];
  const fit = `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,fps=${o.fps}`;
  return spawn(
    'ffmpeg',
    ['-v', 'error', '-nostdin', ...input, '-vf', fit, '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

/** ffmpeg writing raw I420 frames of `size` at `fps` into the v4l2loopback device, a file or stdout. */
function openSink(o: VcamOptions): ChildProcess {
  const { width: w, height: h } = o.size;
  const input = ['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-r', String(o.fps), '-i', '-'];
  const output = o.device
    ? ['-f', 'v4l2', '-pix_fmt', 'yuv420p', o.device]
    : o.out === '-' || o.out?.endsWith('.y4m')
      ? ['-f', 'yuv4mpegpipe', o.out === '-' ? 'pipe:1' : o.out]
      : ['-y', o.out as string];
  return spawn('ffmpeg', ['-v', 'error', '-nostdin', ...input, ...output], {
    stdio: ['pipe', o.out === '-' ? 'inherit' : 'ignore', 'inherit'],
  });
}

export async function runVcam(o: VcamOptions): Promise<void> {
  const frameBytes = o.size.width * o.size.height * 1.5;
  const source = new RTCVideoSource();
  const session = new VcamSession({
    server: o.server,
    owner: o.owner,
    mode: o.mode,
    identityId: o.identityId,
    camera: source.createTrack(),
  });
  const camera = openCamera(o);
  const sink = openSink(o);
  let latestCamera: I420Frame | null = null;
  let pending: Buffer = Buffer.alloc(0);
  camera.stdout?.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= frameBytes) {
      const data = new Uint8Array(pending.subarray(0, frameBytes));
      pending = pending.subarray(frameBytes);
      latestCamera = { format: 'i420', ...o.size, data };
      source.onFrame({ ...o.size, data });
    }
  });
  let placeholder = await placeholderFrame(o.size, ['gazecam: avatar paused', 'connecting']);
  let placeholderWhy = 'connecting';
  const out = new Uint8Array(frameBytes);
  const t0 = performance.now();
  /** Frame slots passed (at the source rate), those skipped, and processed frames written. */
  let written = 0;
  let skipped = 0;
  let writtenProcessed = 0;
  let firstAt = 0;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(tick);
    clearInterval(report);
    session.close();
    camera.kill('SIGTERM');
    sink.stdin?.end();
    // The rate since the first frame written (the camera takes a moment to open).
    const seconds = (performance.now() - (firstAt || t0)) / 1000;
    const frames = written - skipped;
    const summary = { frames, skipped, processed: writtenProcessed, seconds: +seconds.toFixed(2) };
    console.error(JSON.stringify({ vcam: 'summary', ...summary, fps: +((frames - 1) / seconds).toFixed(2) }));
    sink.on('exit', () => process.exit(code));
    setTimeout(() => process.exit(code), 5000).unref();
  };
  const ended = (what: string) => (code: number | null) => {
    if (stopping) return;
    log.error(`${what} ffmpeg ended (${code})`);
    stop(1);
  };
  camera.on('exit', ended('camera'));
  sink.on('exit', ended('output'));
  sink.stdin?.on('error', () => stop(1));
  // Frames at the source rate on average: a late tick (a busy machine) writes the frames that were due.
  const tick = setInterval(
    () => {
      const due = Math.floor(((performance.now() - t0) * o.fps) / 1000);
      for (let n = 0; written < due && n < 5 && !stopping; n++) writeOne();
    },
    1000 / o.fps / 2,
  );
  function writeOne(): void {
    const flowing = !!session.latest && performance.now() - session.latest.at < FLOWING_MS;
    const which = cameraSource(o.mode, session.server, flowing);
    let frame: I420Frame | null = null;
    if (which === 'processed' && session.latest) frame = fitInto(session.latest.frame, o.size, out);
    else if (which === 'camera') frame = latestCamera;
    else {
      const why = session.why ?? (session.agent ? `agent ${session.agent.state}` : 'agent starting');
      if (why !== placeholderWhy) {
        placeholderWhy = why;
        void placeholderFrame(o.size, ['gazecam: avatar paused', why]).then((f) => (placeholder = f));
      }
      frame = placeholder;
    }
    written++;
    // Nothing yet (no camera frame), or ffmpeg is more than a few frames behind: this frame is skipped.
    if (!frame || (sink.stdin?.writableLength ?? 0) > MAX_QUEUED * frameBytes) return void skipped++;
    sink.stdin?.write(Buffer.from(frame.data.slice(0, frameBytes)));
    firstAt ||= performance.now();
    if (which === 'processed') writtenProcessed++;
    if (o.untilProcessed !== undefined && writtenProcessed >= o.untilProcessed) stop(0);
  }
  const report = setInterval(() => {
    const s = { connected: session.server !== null, agent: session.agent?.state ?? null, why: session.why };
    log.info(`vcam ${JSON.stringify({ ...s, written, writtenProcessed })}`);
  }, 5000);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop(0));
}

if (process.argv[1]?.endsWith('vcam.ts')) await runVcam(parse(process.argv.slice(2)));

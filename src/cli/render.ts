// Offline render: identity photo(s) + a driver clip -> the processed clip, one output frame per driver frame.
//   npm run render -- --identity A.jpg [--identity B.jpg ...] --driver D.mjpeg --out O.mjpeg
//     [--mode avatar|eyes|both] [--size 256|512] [--sketch S.mjpeg] [--trace T.jsonl] [--generator F.onnx]
//     [--framing full]
// Output: .mjpeg/.mjpg (MJPEG), .mp4 (needs ffmpeg on PATH), or a folder (JPEG image sequence).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SketchRenderer } from '../inference/geometry/index.ts';
import {
  type FramePipeline,
  type PipelineMode,
  STAGES,
  type StageTimings,
} from '../inference/pipeline/pipeline.ts';
import { renderResultSketch } from '../inference/pipeline/sketch-frame.ts';
import { AppError, isAppError } from '../util/errors.ts';
import { readMjpeg } from '../util/mjpeg.ts';
import type { RgbaFrame } from '../video/frame.ts';
import { decodeImage, encodeJpeg, i420ToRgba } from '../video/image.ts';

const USAGE =
  'usage: npm run render -- --identity A.jpg [--identity B.jpg ...] --driver D.mjpeg --out O.mjpeg|O.mp4|DIR\n' +
  '         [--mode avatar|eyes|both] [--size 256|512] [--sketch S.mjpeg] [--trace T.jsonl] [--generator F.onnx]\n' +
  '         [--framing full]';

export interface RenderOptions {
  identities: string[];
  driver: string;
  out: string;
  mode: Exclude<PipelineMode, 'none'>;
  size: number;
  sketch?: string;
  trace?: string;
  generator?: string;
  framing?: 'full';
  /** Progress output (stderr); default true when stderr is a TTY or always for the CLI. */
  progress?: boolean;
}

export interface RenderSummary {
  frames: number;
  faceFrames: number;
  seconds: number;
  fps: number;
  msPerFrame: StageTimings;
  out: string;
}

function parse(argv: string[]): RenderOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      identity: { type: 'string', multiple: true },
      driver: { type: 'string' },
      out: { type: 'string' },
      mode: { type: 'string', default: 'avatar' },
      size: { type: 'string', default: '256' },
      sketch: { type: 'string' },
      trace: { type: 'string' },
      generator: { type: 'string' },
      framing: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const mode = values.mode as string;
  if (!['avatar', 'eyes', 'both'].includes(mode))
    throw new AppError('BAD_REQUEST', `--mode must be avatar, eyes or both (got ${mode})`);
  const size = Number(values.size);
  if (size !== 256 && size !== 512)
    throw new AppError('BAD_REQUEST', `--size must be 256 or 512 (got ${values.size})`);
  if (!values.driver) throw new AppError('BAD_REQUEST', '--driver is required');
  if (!values.out) throw new AppError('BAD_REQUEST', '--out is required');
  const identities = values.identity ?? [];
  if (mode !== 'eyes' && identities.length === 0)
    throw new AppError('BAD_REQUEST', `--identity is required for --mode ${mode}`);
  if (values.framing && values.framing !== 'full')
    throw new AppError('BAD_REQUEST', '--framing accepts only "full"');
  return {
    identities,
    driver: values.driver,
    out: values.out,
    mode: mode as RenderOptions['mode'],
    size,
    sketch: values.sketch,
    trace: values.trace,
    generator: values.generator,
    framing: values.framing as 'full' | undefined,
  };
}

interface FrameSink {
  write(jpeg: Buffer): Promise<void>;
  close(): Promise<void>;
}

function streamSink(stream: WriteStream | NodeJS.WritableStream, done: Promise<void>): FrameSink {
  return {
    write: (jpeg) =>
      new Promise((resolve, reject) => {
        stream.write(jpeg, (e) => (e ? reject(e) : resolve()));
      }),
    close: async () => {
      stream.end();
      await done;
    },
  };
}

function openSink(out: string): FrameSink {
  const ext = extname(out).toLowerCase();
  if (ext === '.mjpeg' || ext === '.mjpg') {
    const s = createWriteStream(out);
    return streamSink(
      s,
      new Promise((resolve, reject) => s.on('finish', () => resolve()).on('error', reject)),
    );
  }
  if (ext === '.mp4') {
    if (spawnSync('ffmpeg', ['-version']).status !== 0)
      throw new AppError('BAD_REQUEST', 'writing .mp4 needs ffmpeg on PATH; use .mjpeg or a folder instead');
    const ff = spawn(
      'ffmpeg',
      ['-y', '-loglevel', 'error', '-f', 'mjpeg', '-framerate', '25', '-i', '-', '-pix_fmt', 'yuv420p', out],
      {
        stdio: ['pipe', 'inherit', 'inherit'],
      },
    );
    const done = new Promise<void>((resolve, reject) =>
      ff.on('close', (code) =>
        code === 0 ? resolve() : reject(new AppError('INTERNAL', `ffmpeg exited with ${code}`)),
      ),
    );
    return streamSink(ff.stdin, done);
  }
  if (ext !== '' && !(existsSync(out) && statSync(out).isDirectory()))
    throw new AppError('BAD_REQUEST', `--out ${out}: use .mjpeg, .mp4 or a folder`);
  mkdirSync(out, { recursive: true });
  let i = 0;
  return {
    write: async (jpeg) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(out, `frame_${String(i++).padStart(5, '0')}.jpg`), jpeg);
    },
    close: async () => {},
  };
}

const r1 = (v: number) => Number(v.toFixed(1));

/** Renders a whole clip; the pipeline factory is injectable for tests. */
export async function render(
  opts: RenderOptions,
  createPipeline?: (size: number, generator?: string, framing?: 'full') => Promise<FramePipeline>,
): Promise<RenderSummary> {
  const frames = readMjpeg(opts.driver);
  const make =
    createPipeline ??
    (async (size: number, generator?: string, framing?: 'full') => {
      const { FramePipeline } = await import('../inference/pipeline/pipeline.ts');
      return FramePipeline.create({ size, generatorPath: generator, framing });
    });
  const pipeline = await make(opts.size, opts.generator, opts.framing);
  const sink = openSink(opts.out);
  const sketchSink = opts.sketch ? openSink(opts.sketch) : null;
  // Drawn at the generator's size (the frame fitted into it, aspect kept).
  const sketch = sketchSink ? new SketchRenderer(pipeline.size) : null;
  const trace = opts.trace ? createWriteStream(opts.trace) : null;
  const sums: StageTimings = { track: 0, geometry: 0, flow: 0, generate: 0, compose: 0, total: 0 };
  let faceFrames = 0;
  const start = performance.now();
  try {
    if (opts.mode !== 'eyes') await pipeline.setIdentity(opts.identities);
    for (let i = 0; i < frames.length; i++) {
      const input = await decodeImage(frames[i]);
      const r = await pipeline.process(input, opts.mode, (i * 1000) / 25);
      if (r.face) faceFrames++;
      for (const k of STAGES) sums[k] += r.timings[k];
      const outRgba: RgbaFrame = r.frame.format === 'rgba' ? r.frame : i420ToRgba(r.frame);
      await sink.write(await encodeJpeg(outRgba, 90));
      if (sketchSink && sketch) {
        await sketchSink.write(
          await encodeJpeg(renderResultSketch(sketch, r, outRgba.width, outRgba.height), 90),
        );
      }
      trace?.write(
        `${JSON.stringify({
          frame: i,
          state: r.state,
          face: !!r.face,
          pose: r.geometry
            ? {
                yaw: r1(r.geometry.pose.yaw),
                pitch: r1(r.geometry.pose.pitch),
                roll: r1(r.geometry.pose.roll),
              }
            : undefined,
          gaze: r.geometry
            ? {
                left: { theta: r1(r.geometry.gaze.left.theta), phi: r1(r.geometry.gaze.left.phi) },
                right: { theta: r1(r.geometry.gaze.right.theta), phi: r1(r.geometry.gaze.right.phi) },
              }
            : undefined,
          camera_angle:
            r.redirect && Number.isFinite(r.redirect.cameraAngle) ? r1(r.redirect.cameraAngle) : undefined,
          redirect: r.redirect ? Number(r.redirect.weight.toFixed(3)) : undefined,
          ms: Object.fromEntries(STAGES.map((k) => [k, Number(r.timings[k].toFixed(2))])),
        })}\n`,
      );
      if (opts.progress !== false && (i % 10 === 9 || i === frames.length - 1)) {
        const done = Math.round(((i + 1) / frames.length) * 30);
        process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(30 - done)}] ${i + 1}/${frames.length}`);
      }
    }
    if (opts.progress !== false) process.stderr.write('\n');
  } finally {
    await sink.close();
    await sketchSink?.close();
    if (trace) await new Promise<void>((resolve) => trace.end(resolve));
    await pipeline.close();
  }
  const seconds = (performance.now() - start) / 1000;
  const n = frames.length;
  const msPerFrame = Object.fromEntries(
    STAGES.map((k) => [k, Number((sums[k] / n).toFixed(2))]),
  ) as unknown as StageTimings;
  return {
    frames: n,
    faceFrames,
    seconds: Number(seconds.toFixed(2)),
    fps: Number((n / seconds).toFixed(2)),
    msPerFrame,
    out: opts.out,
  };
}

async function main(): Promise<void> {
  let opts: RenderOptions;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const s = await render(opts);
    const stages = STAGES.map((k) => `${k} ${s.msPerFrame[k].toFixed(1)}`).join(', ');
    process.stderr.write(
      `rendered ${s.frames} frames (${s.faceFrames} with a face) to ${s.out} in ${s.seconds}s (${s.fps} fps overall); ms/frame: ${stages}\n`,
    );
    process.stdout.write(`${JSON.stringify(s)}\n`);
  } catch (e) {
    const code = isAppError(e) ? e.code : 'INTERNAL';
    process.stderr.write(`render failed [${code}]: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();

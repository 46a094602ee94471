// npm run analyze -- --driver FILE.mjpeg [--json] [--fov 60] [--fps 25] [--sketch OUT.mjpeg] [--sketch-size 256]
//                    [--tracker onnx|human] [--source PHOTO.jpg [--mode relative|absolute]]
// Runs the face tracker and the geometry stage over a driving clip. --json prints one line per frame:
// {"frame","found","yaw","pitch","roll","gaze":{"left":{"theta","phi"},"right":{..}},"camera_angle","redirect",
//  "mouth","blink","ms"} (angles in degrees; camera_angle: between the gaze and the direction to the camera,
// mean of the open eyes; redirect: the eye-contact strength 0..1; mouth: inner-lip gap / inter-ocular distance;
// blink: closedness 0..1, mean of both eyes). Without --json, a summary. --sketch writes the key-point sketches
// (with the eye-contact gaze) as MJPEG for debugging; with --source, the sketches are the re-enacted target
// key-points on the source photo (avatar mode: the photo's face driven by the clip, its eyes aimed by the policy).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaceResult } from '../src/inference/face-result.ts';
import { FaceAnalyzer } from '../src/inference/geometry/analyzer.ts';
import { PinholeCamera } from '../src/inference/geometry/camera.ts';
import { EyeContactPolicy } from '../src/inference/geometry/eye-contact.ts';
import { newEyePlacement } from '../src/inference/geometry/gaze.ts';
import { newHeadPose } from '../src/inference/geometry/pose.ts';
import { Reenactor } from '../src/inference/geometry/reenact.ts';
import { fitView, SketchRenderer } from '../src/inference/geometry/sketch.ts';
import { AppError, isAppError } from '../src/util/errors.ts';
import { createLogger } from '../src/util/logger.ts';
import { joinMjpeg, readMjpeg } from '../src/util/mjpeg.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage, encodeJpeg } from '../src/video/image.ts';

const log = createLogger('cli:analyze');

interface Options {
  driver: string;
  json: boolean;
  fov: number;
  fps: number;
  sketch: string | null;
  sketchSize: number;
  tracker: 'onnx' | 'human';
  source: string | null;
  mode: 'relative' | 'absolute';
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      driver: { type: 'string' },
      json: { type: 'boolean', default: false },
      fov: { type: 'string', default: '60' },
      fps: { type: 'string', default: '25' },
      sketch: { type: 'string' },
      'sketch-size': { type: 'string', default: '256' },
      tracker: { type: 'string', default: 'onnx' },
      source: { type: 'string' },
      mode: { type: 'string', default: 'relative' },
    },
    strict: true,
  });
  if (!values.driver)
    throw new AppError('BAD_REQUEST', 'usage: npm run analyze -- --driver FILE.mjpeg [--json]');
  const num = (name: string, v: string, lo: number, hi: number) => {
    const n = Number(v);
    if (!(n >= lo && n <= hi))
      throw new AppError('BAD_REQUEST', `--${name} must be a number in [${lo}, ${hi}]`);
    return n;
  };
  const tracker = values.tracker;
  if (tracker !== 'onnx' && tracker !== 'human')
    throw new AppError('BAD_REQUEST', '--tracker must be onnx or human');
  return {
    driver: values.driver,
    json: values.json ?? false,
    fov: num('fov', values.fov ?? '60', 10, 150),
    fps: num('fps', values.fps ?? '25', 1, 240),
    sketch: values.sketch ?? null,
    sketchSize: num('sketch-size', values['sketch-size'] ?? '256', 64, 2048),
    tracker,
    source: values.source ?? null,
    mode: values.mode === 'absolute' ? 'absolute' : 'relative',
  };
}

interface Tracker {
  track(frame: RgbaFrame, tMs: number): Promise<Pick<FaceResult, 'landmarks'> | null>;
  /** Forget the tracked face (a new clip or photo follows). */
  reset(): void;
  close(): Promise<void>;
}

async function createTracker(kind: 'onnx' | 'human'): Promise<Tracker> {
  if (kind === 'onnx') {
    const { FaceTracker } = await import('../src/inference/face/tracker.ts');
    const t = await FaceTracker.create();
    return { track: (f, tMs) => t.track(f, tMs), reset: () => t.reset(), close: () => t.close() };
  }
  // The Human peer (TF.js) as an independent tracker, for comparisons.
  const { createHumanPeer } = await import('../bench/peer/human.ts');
  const { rescaleDepth } = await import('../bench/geometry-peer-frames.ts');
  const peer = await createHumanPeer();
  return {
    track: async (f) => {
      const r = await peer.detect(f);
      return r ? { landmarks: rescaleDepth(r.mesh, r.box) } : null;
    },
    reset: () => {},
    close: () => peer.close(),
  };
}

/** Avatar mode for the sketches: the source photo analysed once, and the per-frame re-enactment state. */
async function prepareSource(path: string, tracker: Tracker, opts: Options) {
  const photo = await decodeImage(path);
  const face = await tracker.track(photo, 0);
  if (!face) throw new AppError('NO_FACE', `no face found in ${path}`);
  const analyzer = new FaceAnalyzer({ fovDeg: opts.fov });
  const geo = analyzer.analyze(face.landmarks, photo.width, photo.height, 0);
  const reenactor = new Reenactor({ mode: opts.mode });
  reenactor.setSource({ pose: geo.pose, canonical: geo.canonical });
  tracker.reset();
  return {
    analyzer,
    reenactor,
    canonical: Float32Array.from(geo.canonical),
    camera: new PinholeCamera(photo.width, photo.height, opts.fov),
    policy: new EyeContactPolicy(),
    target: new Float32Array(478 * 3),
    pose: newHeadPose(),
    eyes: { left: newEyePlacement(), right: newEyePlacement() },
    view: fitView(photo.width, photo.height, opts.sketchSize),
  };
}

const r2 = (v: number) => Math.round(v * 100) / 100;

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const jpegs = readMjpeg(opts.driver);
  const tracker = await createTracker(opts.tracker);
  const analyzer = new FaceAnalyzer({ fovDeg: opts.fov });
  const policy = new EyeContactPolicy();
  const sketcher = opts.sketch ? new SketchRenderer(opts.sketchSize) : null;
  const sketches: Buffer[] = [];
  const avatar = opts.source ? await prepareSource(opts.source, tracker, opts) : null;
  const summary = {
    frames: jpegs.length,
    found: 0,
    yaw: [] as number[],
    redirect: 0,
    trackMs: 0,
    geometryMs: 0,
  };
  try {
    for (let i = 0; i < jpegs.length; i++) {
      const frame = await decodeImage(jpegs[i]);
      const tMs = (i * 1000) / opts.fps;
      const t0 = performance.now();
      const face = await tracker.track(frame, tMs);
      const t1 = performance.now();
      if (!face) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ frame: i, found: false })}\n`);
        if (sketcher) sketches.push(await encodeJpeg(sketcher.clear()));
        continue;
      }
      const g = analyzer.analyze(face.landmarks, frame.width, frame.height, tMs);
      const target = policy.update(g.gaze, tMs, undefined, undefined, {
        head: g.pose,
        blink: g.measures.blink,
      });
      const t2 = performance.now();
      summary.found++;
      summary.yaw.push(g.pose.yaw);
      summary.redirect += target.redirect;
      summary.trackMs += t1 - t0;
      summary.geometryMs += t2 - t1;
      if (opts.json) {
        const line = {
          frame: i,
          found: true,
          yaw: r2(g.pose.yaw),
          pitch: r2(g.pose.pitch),
          roll: r2(g.pose.roll),
          gaze: {
            left: { theta: r2(g.gaze.left.theta), phi: r2(g.gaze.left.phi) },
            right: { theta: r2(g.gaze.right.theta), phi: r2(g.gaze.right.phi) },
          },
          camera_angle: Number.isNaN(policy.cameraAngle) ? null : r2(policy.cameraAngle),
          redirect: r2(target.redirect),
          mouth: Math.round(g.measures.mouth * 1000) / 1000,
          blink: r2((g.measures.blink.left + g.measures.blink.right) / 2),
          ms: { track: r2(t1 - t0), geometry: Math.round((t2 - t1) * 1000) / 1000 },
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
      if (sketcher && avatar) {
        const pose = avatar.reenactor.update(g, avatar.target, avatar.pose);
        const { left, right } = avatar.eyes;
        avatar.analyzer.gaze.placeEye('left', avatar.canonical, pose, avatar.camera, left);
        avatar.analyzer.gaze.placeEye('right', avatar.canonical, pose, avatar.camera, right);
        const aim = avatar.policy.update(
          g.gaze,
          tMs,
          { left: left.centreMm, right: right.centreMm },
          undefined,
          { head: g.pose, blink: g.measures.blink },
        );
        const img = sketcher.render(avatar.target, avatar.view, {
          left: { ...left, direction: aim.left.direction, open: g.gaze.left.open },
          right: { ...right, direction: aim.right.direction, open: g.gaze.right.open },
        });
        sketches.push(await encodeJpeg(img, 92));
      } else if (sketcher) {
        const eye = (e: 'left' | 'right') => ({ ...g.gaze[e], direction: target[e].direction });
        const img = sketcher.render(face.landmarks, fitView(frame.width, frame.height, opts.sketchSize), {
          left: eye('left'),
          right: eye('right'),
        });
        sketches.push(await encodeJpeg(img, 92));
      }
    }
  } finally {
    await tracker.close();
  }
  if (opts.sketch) {
    writeFileSync(opts.sketch, joinMjpeg(sketches));
    log.info(`wrote ${sketches.length} sketches to ${opts.sketch}`);
  }
  if (!opts.json) {
    const n = Math.max(1, summary.found);
    const yaw = summary.yaw;
    process.stdout.write(
      `${JSON.stringify({
        driver: opts.driver,
        frames: summary.frames,
        found: summary.found,
        yaw: yaw.length ? { min: r2(Math.min(...yaw)), max: r2(Math.max(...yaw)) } : null,
        mean_redirect: r2(summary.redirect / n),
        ms_per_frame: {
          track: r2(summary.trackMs / n),
          geometry: Math.round((summary.geometryMs / n) * 1000) / 1000,
        },
      })}\n`,
    );
  }
}

main().catch((e: unknown) => {
  if (isAppError(e)) {
    process.stderr.write(`analyze: ${e.code}: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`analyze: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
});

// npm run bench -- geometry [--json]
// 1. Agreement with the peer: per fixture driver, Pearson r of our head angles (pose fit on our FaceTracker's
//    landmarks, and on Human's own landmarks) against Human's angles.
// 2. Speed: per-frame ms of the geometry stage (pose fit + canonical/neutral + gaze), the eye-contact policy and
//    the sketch at 256 and 512, over the drivers' real landmarks, side by side.
// Prints one JSON line per driver and per timing row.
import { FaceTracker } from '../src/inference/face/tracker.ts';
import { FaceAnalyzer, newFaceGeometry } from '../src/inference/geometry/analyzer.ts';
import { EyeContactPolicy, newEyeContactTarget } from '../src/inference/geometry/eye-contact.ts';
import { pearson } from '../src/inference/geometry/math.ts';
import { fitView, SketchRenderer } from '../src/inference/geometry/sketch.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { fixturesAvailable } from '../src/util/paths.ts';
import { decodeImage } from '../src/video/image.ts';
import { driverPaths, peerFrames } from './geometry-peer-frames.ts';

export interface AngleAgreement {
  driver: string;
  frames: number;
  /** Our angles from our tracker's landmarks vs Human's angles. */
  tracker: { yaw: number; pitch: number; roll: number };
  /** Our angles from Human's landmarks vs Human's angles (same input, different pose method). */
  peerMesh: { yaw: number; pitch: number; roll: number };
  yawRange: [number, number];
  /** The series (tracker-based ours, Human's), for pooling over drivers. */
  series: {
    ours: { yaw: number[]; pitch: number[]; roll: number[] };
    human: { yaw: number[]; pitch: number[]; roll: number[] };
  };
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Pearson r of ours vs Human's per angle over the concatenated series of several drivers. */
export function pooledAgreement(list: AngleAgreement[]): {
  yaw: number;
  pitch: number;
  roll: number;
  frames: number;
} {
  const cat = (f: (a: AngleAgreement) => number[]) => list.flatMap(f);
  const r = (k: 'yaw' | 'pitch' | 'roll') =>
    r3(
      pearson(
        cat((a) => a.series.ours[k]),
        cat((a) => a.series.human[k]),
      ),
    );
  return {
    yaw: r('yaw'),
    pitch: r('pitch'),
    roll: r('roll'),
    frames: list.reduce((n, a) => n + a.frames, 0),
  };
}

/** Tracks every frame of a driver with our FaceTracker; landmarks per frame (null: no face). */
export async function trackDriver(
  tracker: FaceTracker,
  path: string,
  fps = 25,
): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = [];
  const jpegs = readMjpeg(path);
  for (let i = 0; i < jpegs.length; i++) {
    const face = await tracker.track(await decodeImage(jpegs[i]), (i * 1000) / fps);
    out.push(face ? Float32Array.from(face.landmarks) : null);
  }
  return out;
}

/** Pearson r of our angles vs Human's over one driver's frames where both found a face. */
export async function angleAgreement(tracker: FaceTracker, path: string): Promise<AngleAgreement> {
  const peer = await peerFrames(path);
  const ours = await trackDriver(tracker, path);
  const a = new FaceAnalyzer();
  const b = new FaceAnalyzer();
  const cols: Record<string, number[]> = {
    ty: [],
    tp: [],
    tr: [],
    my: [],
    mp: [],
    mr: [],
    hy: [],
    hp: [],
    hr: [],
  };
  peer.frames.forEach((f, i) => {
    const lm = ours[i];
    if (!f.mesh || !f.angles || !lm) return;
    const g = a.analyze(lm, peer.width, peer.height, i * 40);
    const h = b.analyze(f.mesh, peer.width, peer.height, i * 40);
    cols.ty.push(g.pose.yaw);
    cols.tp.push(g.pose.pitch);
    cols.tr.push(g.pose.roll);
    cols.my.push(h.pose.yaw);
    cols.mp.push(h.pose.pitch);
    cols.mr.push(h.pose.roll);
    cols.hy.push(f.angles.yaw);
    cols.hp.push(f.angles.pitch);
    cols.hr.push(f.angles.roll);
  });
  return {
    driver: peer.name,
    frames: cols.ty.length,
    tracker: {
      yaw: r3(pearson(cols.ty, cols.hy)),
      pitch: r3(pearson(cols.tp, cols.hp)),
      roll: r3(pearson(cols.tr, cols.hr)),
    },
    peerMesh: {
      yaw: r3(pearson(cols.my, cols.hy)),
      pitch: r3(pearson(cols.mp, cols.hp)),
      roll: r3(pearson(cols.mr, cols.hr)),
    },
    yawRange: [r3(Math.min(...cols.ty)), r3(Math.max(...cols.ty))],
    series: {
      ours: { yaw: cols.ty, pitch: cols.tp, roll: cols.tr },
      human: { yaw: cols.hy, pitch: cols.hp, roll: cols.hr },
    },
  };
}

function timeIt(passes: number, frames: number, fn: (i: number) => void): number {
  fn(0); // warm
  const t0 = performance.now();
  for (let p = 0; p < passes; p++) for (let i = 0; i < frames; i++) fn(i);
  return (performance.now() - t0) / (passes * frames);
}

export async function run(_args: string[]): Promise<void> {
  if (!fixturesAvailable()) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'geometry', skipped: 'fixtures not found (FIXTURES_DIR)' })}\n`,
    );
    return;
  }
  const tracker = await FaceTracker.create();
  const all: (Float32Array | null)[] = [];
  const agreements: AngleAgreement[] = [];
  try {
    for (const path of driverPaths()) {
      tracker.reset();
      const agreement = await angleAgreement(tracker, path);
      agreements.push(agreement);
      const { series: _series, ...row } = agreement;
      process.stdout.write(`${JSON.stringify({ bench: 'geometry', kind: 'angles-vs-human', ...row })}\n`);
      tracker.reset();
      all.push(...(await trackDriver(tracker, path)));
      tracker.reset();
    }
    const pooled = pooledAgreement(agreements);
    process.stdout.write(
      `${JSON.stringify({ bench: 'geometry', kind: 'angles-vs-human-pooled', ...pooled })}\n`,
    );
  } finally {
    await tracker.close();
  }
  const frames = all.filter((f): f is Float32Array => f !== null);
  const analyzer = new FaceAnalyzer();
  const geo = newFaceGeometry();
  const policy = new EyeContactPolicy();
  const target = newEyeContactTarget();
  const s256 = new SketchRenderer(256);
  const s512 = new SketchRenderer(512);
  const v256 = fitView(512, 512, 256);
  const v512 = fitView(512, 512, 512);
  let t = 0;
  const passes = 3;
  const tick = () => {
    t += 40;
    return t;
  };
  const geometry = timeIt(passes, frames.length, (i) => analyzer.analyze(frames[i], 512, 512, tick(), geo));
  const pol = timeIt(passes, frames.length, () => policy.update(geo.gaze, tick(), undefined, target));
  const eyes = { left: geo.gaze.left, right: geo.gaze.right };
  const sk256 = timeIt(passes, frames.length, (i) => s256.render(frames[i], v256, eyes));
  const sk512 = timeIt(passes, frames.length, (i) => s512.render(frames[i], v512, eyes));
  const r4 = (v: number) => Math.round(v * 10000) / 10000;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'geometry',
      kind: 'per-frame-ms',
      frames: frames.length,
      passes,
      geometry: r4(geometry),
      policy: r4(pol),
      sketch256: r4(sk256),
      sketch512: r4(sk512),
      total256: r4(geometry + pol + sk256),
      total512: r4(geometry + pol + sk512),
    })}\n`,
  );
}

// Runs our FaceTracker and the Human peer on the same decoded frames of the driver clips: landmark agreement
// (NME over the inter-ocular distance) and time per frame, side by side. Used by bench/tracker.ts and the
// accuracy test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { nme } from '../../src/inference/face/nme.ts';
import { FaceTracker, type FaceTrackerOptions } from '../../src/inference/face/tracker.ts';
import { readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../../src/util/paths.ts';
import type { RgbaFrame } from '../../src/video/frame.ts';
import { decodeImage } from '../../src/video/image.ts';
import { createHumanPeer } from './human.ts';

export interface ClipStats {
  clip: string;
  frames: number;
  /** Frames where both found a face (the NME is over these). */
  compared: number;
  oursMissed: number;
  peerMissed: number;
  nme: number;
}

export interface CompareResult {
  frames: number;
  oursMs: number;
  peerMs: number;
  nme: number;
  clips: ClipStats[];
  peerBackend: string;
}

export interface CompareOptions {
  /** Clip files (.mjpeg); default: every clip in FIXTURES_DIR/drivers. */
  clips?: string[];
  /** At most this many frames per clip. */
  maxFrames?: number;
  /** Untimed frames run by both before timing starts. Default 10. */
  warmup?: number;
  tracker?: FaceTrackerOptions;
}

export function driverClips(): string[] {
  const dir = join(FIXTURES_DIR, 'drivers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.mjpeg'))
    .sort()
    .map((f) => join(dir, f));
}

async function decodeClip(path: string, max: number): Promise<RgbaFrame[]> {
  const jpegs = readMjpeg(path).slice(0, max);
  const frames: RgbaFrame[] = [];
  for (const j of jpegs) frames.push(await decodeImage(j));
  return frames;
}

export async function compareWithPeer(opts: CompareOptions = {}): Promise<CompareResult> {
  const clips = opts.clips ?? driverClips();
  const max = opts.maxFrames ?? Number.POSITIVE_INFINITY;
  // Accuracy is compared unsmoothed: the peer does not smooth either.
  const tracker = await FaceTracker.create({ smoothing: false, ...opts.tracker });
  const peer = await createHumanPeer();
  try {
    let oursMs = 0;
    let peerMs = 0;
    let timed = 0;
    let nmeSum = 0;
    let nmeCount = 0;
    const stats: ClipStats[] = [];
    let warm = opts.warmup ?? 10;
    for (const path of clips) {
      const frames = await decodeClip(path, max);
      tracker.reset();
      const s: ClipStats = {
        clip: path.split('/').pop() ?? path,
        frames: frames.length,
        compared: 0,
        oursMissed: 0,
        peerMissed: 0,
        nme: 0,
      };
      if (warm > 0) {
        // Both warm up on this clip's first frames, then start it again from a clean state.
        for (const f of frames.slice(0, warm)) {
          await tracker.track(f);
          await peer.detect(f);
        }
        warm = 0;
        tracker.reset();
      }
      for (const f of frames) {
        const t0 = performance.now();
        const ours = await tracker.track(f);
        const t1 = performance.now();
        const ref = await peer.detect(f);
        const t2 = performance.now();
        oursMs += t1 - t0;
        peerMs += t2 - t1;
        timed++;
        if (!ours) s.oursMissed++;
        if (!ref) s.peerMissed++;
        if (ours && ref) {
          const e = nme(ours.landmarks, ref.mesh);
          s.nme += e;
          s.compared++;
          nmeSum += e;
          nmeCount++;
        }
      }
      s.nme = s.compared ? s.nme / s.compared : Number.NaN;
      stats.push(s);
    }
    return {
      frames: timed,
      oursMs: oursMs / timed,
      peerMs: peerMs / timed,
      nme: nmeCount ? nmeSum / nmeCount : Number.NaN,
      clips: stats,
      peerBackend: peer.backend,
    };
  } finally {
    await tracker.close();
    await peer.close();
  }
}

// Tracker benchmark: our FaceTracker (onnxruntime, CPU) against @vladmandic/human (TF.js WASM) on the same decoded
// frames of the driver clips, in one run. Prints one JSON line:
// {"bench":"tracker","frames":N,"ours_ms":..,"peer_ms":..,"ratio":peer/ours,"nme":..,...}
// Options: --frames N (per clip), --clips d0,d3 (names in FIXTURES_DIR/drivers), --threads N (ORT intra-op).
import { join } from 'node:path';
import { FIXTURES_DIR, fixturesAvailable } from '../src/util/paths.ts';
import { arg } from './bench-helpers.ts';
import { compareWithPeer, driverClips } from './peer/compare.ts';

export async function run(args: string[]): Promise<void> {
  if (!fixturesAvailable()) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'tracker', skipped: `no fixtures in ${FIXTURES_DIR}` })}\n`,
    );
    return;
  }
  const maxFrames = arg(args, 'frames') ? Number(arg(args, 'frames')) : undefined;
  const names = arg(args, 'clips');
  const clips = names
    ? names.split(',').map((n) => join(FIXTURES_DIR, 'drivers', `${n}.mjpeg`))
    : driverClips();
  const threads = arg(args, 'threads') ? Number(arg(args, 'threads')) : undefined;
  const r = await compareWithPeer({ clips, maxFrames, tracker: { intraOpThreads: threads } });
  const round = (v: number, d = 3) => Number(v.toFixed(d));
  const line = {
    bench: 'tracker',
    frames: r.frames,
    ours_ms: round(r.oursMs, 2),
    peer_ms: round(r.peerMs, 2),
    ratio: round(r.peerMs / r.oursMs, 2),
    nme: round(r.nme, 4),
    ort_threads: threads ?? (Number(process.env.ORT_THREADS) || 1),
    peer_backend: r.peerBackend,
    clips: Object.fromEntries(r.clips.map((c) => [c.clip, round(c.nme, 4)])),
    missed: {
      ours: r.clips.reduce((a, c) => a + c.oursMissed, 0),
      peer: r.clips.reduce((a, c) => a + c.peerMissed, 0),
    },
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

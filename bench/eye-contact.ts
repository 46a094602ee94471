// Eye contact judged by an independent tracker (@vladmandic/human: its gaze "strength", 0 = into the camera, its
// face descriptor, head angles and mesh), input frame against output frame, on the fixture drivers and on the
// validation persons' clips of the data set (never trained on). Human reads the eye farther from the camera;
// when that is the subject's right eye, its iris comes out mirrored (bench/peer/human.ts), so its horizontal
// reading moves the wrong way: every strength figure is given as Human's own (`human`) and recomputed with the
// mirror undone (`fixed`, the same formula: peer/human.ts gazeReading). Per clip one JSON line:
//   redirected: frames the policy redirects (weight >= 0.5): Human's mean strength in and out, and their ratio;
//               the share of inputs at Human's cap (inputAtCap); the correction asked (mean unit-vector change
//               dx, dy) and where Human sees both irises in and out (irisIn/irisOut: x in eye widths, y in lid
//               heights from the corners' midpoint, lid opening in eye widths), so a ratio near 1 can be told
//               apart: a correction too small to see, or moved the way the judge does not count;
//   atCamera:   redirected frames already looking into the camera (our angle to it under 5 deg): the same;
//   away:       frames the policy leaves alone (weight < 0.05): the same (should stay 1);
//   identity:   mean cosine of Human's descriptors of input and output;
//   r:          Pearson r of Human's yaw / pitch / roll and eye openness, output against input.
// Then one line per group (fixtures, validation) pooling the frames. Input and output each get their own peer
// instance, so neither's frame-to-frame tracking sees the other's frames.
// Options: --drivers d13,d3,d0,d9 --val N (validation clips, needs `npm run dataset`; 0: none) --frames N
//          --fps F (validation decode rate) --force (full strength on every open-eyed frame, no look-away)
//          --look-away 0 (the default policy without its natural glances, which move the gaze on purpose)
//          --sheet FILE (close-up contact sheet: input | output; rows picked as looking down / aside / blinking /
//          into the lens, or --sheet-picks d13:100,d9:12 for those frames) --data DIR --source DIR
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EyeContactOptions } from '../src/inference/geometry/eye-contact.ts';
import { FramePipeline } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR, PROJECT_ROOT } from '../src/util/paths.ts';
import type { RgbaFrame } from '../src/video/frame.ts';
import { decodeImage } from '../src/video/image.ts';
import { readClipFrames, readDatasetIndex } from '../training/dataset/build.ts';
import { eyeSheet, type SheetRow } from './eye-sheet.ts';
import { createHumanPeer, gazeReading, type HumanPeer, irisOffsets, type PeerFace } from './peer/human.ts';
import { cosine, eyeOpen, mean, pearson, r3 } from './quality-metrics.ts';

const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: 'eye-contact', ...o })}\n`);

/** Human's face box normalised to the frame (the cap of its strength). */
const boxOf = (p: PeerFace): [number, number] => [p.box.width / p.frameWidth, p.box.height / p.frameHeight];

interface FrameRow {
  weight: number;
  cameraAngle: number;
  blink: number;
  /** Vertical and horizontal size of the correction (unit-vector components, right eye). */
  dy: number;
  dx: number;
  in: PeerFace | null;
  out: PeerFace | null;
}

const FORCED: EyeContactOptions = {
  fullDeg: 80,
  noneDeg: 90,
  headPitchDeg: [80, 90],
  headYawDeg: [80, 90],
  lookAway: false,
};

interface Peers {
  input: HumanPeer;
  output: HumanPeer;
}

async function runClip(
  frames: readonly RgbaFrame[],
  fps: number,
  peers: Peers,
  eyeContact: EyeContactOptions | undefined,
  keep: (row: FrameRow, input: RgbaFrame, output: RgbaFrame, kp: ArrayLike<number>, i: number) => void,
): Promise<FrameRow[]> {
  const pipeline = await FramePipeline.create({ size: 256, eyeContact });
  const rows: FrameRow[] = [];
  try {
    for (let i = 0; i < frames.length; i++) {
      const r = await pipeline.process(frames[i], 'eyes', (i * 1000) / fps);
      const red = r.redirect;
      const row: FrameRow = {
        weight: red?.weight ?? 0,
        cameraAngle: red?.cameraAngle ?? Number.NaN,
        blink: r.geometry ? Math.max(r.geometry.measures.blink.left, r.geometry.measures.blink.right) : 0,
        dy: red ? red.right.direction[1] - red.right.from[1] : 0,
        dx: red ? red.right.direction[0] - red.right.from[0] : 0,
        in: await peers.input.detect(frames[i]),
        out: await peers.output.detect(r.frame as RgbaFrame),
      };
      rows.push(row);
      if (r.face) keep(row, frames[i], r.frame as RgbaFrame, r.face.landmarks, i);
    }
  } finally {
    await pipeline.close();
  }
  return rows;
}

function strengths(rows: readonly FrameRow[], pick: (r: FrameRow) => boolean) {
  const sel = rows.filter((r) => r.in && r.out && pick(r));
  const of = (key: 'gaze' | 'gazeFixed') => {
    const sIn = mean(sel.map((r) => r.in?.[key].strength ?? Number.NaN));
    const sOut = mean(sel.map((r) => r.out?.[key].strength ?? Number.NaN));
    return { in: r3(sIn), out: r3(sOut), ratio: r3(sOut / sIn) };
  };
  // Frames whose input already reads at Human's cap (half the face box): a ratio of capped figures says little.
  const atCap = sel.filter((r) => {
    const p = r.in as PeerFace;
    return p.gazeFixed.strength >= (0.98 * Math.min(...boxOf(p))) / 2;
  }).length;
  // Component by component: the correction asked (unit-vector change, image axes, y down) and where Human sees
  // the irises in and out (eye widths across, lid heights down, from the corners' midpoint).
  const iris = (side: 'in' | 'out') => {
    const o = sel.map((r) => irisOffsets((r[side] as PeerFace).mesh));
    const m = (f: (v: { x: number; y: number; open: number }) => number) => r3(mean(o.map(f)));
    return { x: m((v) => v.x), y: m((v) => v.y), open: m((v) => v.open) };
  };
  return {
    frames: sel.length,
    inputAtCap: sel.length ? r3(atCap / sel.length) : 0,
    human: of('gaze'),
    fixed: of('gazeFixed'),
    correction: { dx: r3(mean(sel.map((r) => r.dx))), dy: r3(mean(sel.map((r) => r.dy))) },
    irisIn: iris('in'),
    irisOut: iris('out'),
  };
}

function summary(rows: readonly FrameRow[]) {
  const both = rows.filter((r) => r.in && r.out) as (FrameRow & { in: PeerFace; out: PeerFace })[];
  const series = (f: (p: PeerFace) => number) => [both.map((r) => f(r.in)), both.map((r) => f(r.out))];
  const r = (f: (p: PeerFace) => number) => {
    const [a, b] = series(f);
    return r3(pearson(a, b));
  };
  const ids = both
    .filter((x) => x.in.embedding && x.out.embedding)
    .map((x) => cosine(x.in.embedding as Float32Array, x.out.embedding as Float32Array));
  return {
    frames: rows.length,
    found: both.length,
    redirected: strengths(rows, (x) => x.weight >= 0.5),
    atCamera: strengths(rows, (x) => x.weight >= 0.5 && x.cameraAngle < 5),
    away: strengths(rows, (x) => x.weight < 0.05),
    // The recomputed formula against Human's own numbers on the same meshes (0: a faithful copy).
    formulaError: r3(
      mean(both.map((x) => Math.abs(gazeReading(x.in.mesh, boxOf(x.in)).strength - x.in.gaze.strength))),
    ),
    identity: r3(mean(ids)),
    identityMin: r3(Math.min(...ids)),
    r: {
      yaw: r((p) => p.angles.yaw),
      pitch: r((p) => p.angles.pitch),
      roll: r((p) => p.angles.roll),
      eyes: r((p) => eyeOpen(p.mesh)),
    },
  };
}

/** Picks the sheet's rows: looking down, aside, blinking and into the lens, from all clips' kept frames. */
class SheetPicker {
  readonly best: Record<string, { score: number; row: SheetRow } | undefined> = {};

  offer(kind: string, score: number, row: () => SheetRow): void {
    const b = this.best[kind];
    if (Number.isFinite(score) && (!b || score > b.score)) this.best[kind] = { score, row: row() };
  }

  rows(): SheetRow[] {
    return Object.values(this.best).flatMap((b) => (b ? [b.row] : []));
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      drivers: { type: 'string', default: 'd13,d3,d0,d9' },
      val: { type: 'string', default: '8' },
      frames: { type: 'string', default: '100' },
      fps: { type: 'string', default: '12.5' },
      force: { type: 'boolean', default: false },
      'look-away': { type: 'string', default: '1' },
      'sheet-picks': { type: 'string', default: '' },
      sheet: { type: 'string' },
      data: { type: 'string', default: resolve(PROJECT_ROOT, '.cache', 'dataset') },
      source: { type: 'string', default: resolve(PROJECT_ROOT, '..', 'shared', 'data', 'talking-heads') },
      json: { type: 'boolean' },
    },
  });
  const maxFrames = Number(values.frames);
  const force = values.force ?? false;
  const lookAway = !force && values['look-away'] !== '0';
  const eyeContact = force ? FORCED : lookAway ? undefined : { lookAway: false };
  const peers = {
    input: await createHumanPeer({ embedding: true }),
    output: await createHumanPeer({ embedding: true }),
  };
  const picker = new SheetPicker();
  const picks = values['sheet-picks'].split(',').filter(Boolean);
  const groups: Record<string, FrameRow[]> = { fixtures: [], validation: [] };
  const clipRun = async (group: string, name: string, frames: RgbaFrame[], fps: number) => {
    const rows = await runClip(frames, fps, peers, eyeContact, (row, input, output, kp, i) => {
      const make = (label: string) => () => ({ label: `${name}: ${label}`, input, output, landmarks: kp });
      const pick = picks.indexOf(`${name}:${i}`);
      if (pick >= 0) {
        const what = row.blink >= 0.55 ? 'blinking' : row.weight < 0.05 ? 'left alone' : 'redirected';
        const deg = Number.isFinite(row.cameraAngle)
          ? `, ${row.cameraAngle.toFixed(0)} deg off the camera`
          : '';
        picker.offer(`pick${pick}`, 1, make(`frame ${i}${deg}, ${what}`));
        return;
      }
      if (picks.length) return;
      if (row.weight >= 0.5) {
        picker.offer('down', row.dy < 0 ? -row.dy : Number.NaN, make('looking down, redirected'));
        picker.offer('aside', Math.abs(row.dx), make('looking aside, redirected'));
      }
      picker.offer('blink', row.blink, make('blinking (passes through)'));
      picker.offer('lens', -row.cameraAngle, make('into the lens'));
    });
    groups[group].push(...rows);
    emit({ group, clip: name, force, lookAway, ...summary(rows) });
  };
  try {
    for (const d of values.drivers.split(',').filter(Boolean)) {
      const path = join(FIXTURES_DIR, 'drivers', `${d}.mjpeg`);
      if (!existsSync(path)) {
        process.stderr.write(`skip ${d}: no fixture at ${path}\n`);
        continue;
      }
      const frames: RgbaFrame[] = [];
      for (const j of readMjpeg(path).slice(0, maxFrames)) frames.push(await decodeImage(j));
      await clipRun('fixtures', d, frames, 25);
    }
    const nVal = Number(values.val);
    const index = nVal > 0 ? readDatasetIndex(values.data) : null;
    if (nVal > 0 && !index)
      process.stderr.write(
        `no validation clips: run npm run dataset first (${join(values.data, 'index.json')})\n`,
      );
    else if (index) {
      for (const clip of index.clips.filter((c) => c.split === 'val').slice(0, nVal)) {
        const fps = Number(values.fps);
        const frames = await readClipFrames(values.source, index, clip, maxFrames, 256, fps);
        await clipRun('validation', clip.file.replace(/^videos\//, ''), frames, fps);
      }
    }
    for (const [group, rows] of Object.entries(groups))
      if (rows.length) emit({ group, clip: 'all', force, lookAway, ...summary(rows) });
    if (values.sheet) await eyeSheet(values.sheet, picker.rows());
  } finally {
    await peers.input.close();
    await peers.output.close();
  }
}

// Speed of the frame pipeline per stage, on I420 frames as the agent feeds them: avatar at 256 and 512, and eye
// contact on 640x480. Prints one JSON line per case and variant: ms/frame per stage (mean, p95 of total, CPU ms
// of this process per frame) after a warm-up.
// Options: --frames N (measured frames, default 100), --driver d3, --identity s0, --cases avatar-256,avatar-512,
// eyes-640x480,eyes-640x480-forced (eye contact forced to full strength on every open-eyed frame; eye cases add
// `eyeStage`, the policy and the eye warp, and its ratio to the tracker's ms);
// --peer: the peer tracker (@vladmandic/human, TF.js WASM) on the same frames, interleaved frame by frame, and
// each case's ratio to it; --baseline DIR: a previous version of the project (`git archive REV src models |
// tar -x -C DIR`) run interleaved frame by frame in the same process, so the machine's load falls on both alike.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { EyeContactOptions } from '../src/inference/geometry/eye-contact.ts';
import { FramePipeline, type PipelineMode, STAGES } from '../src/inference/pipeline/pipeline.ts';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR } from '../src/util/paths.ts';
import type { I420Frame, RgbaFrame } from '../src/video/frame.ts';
import { decodeImage, rgbaToI420 } from '../src/video/image.ts';
import { createHumanPeer, type HumanPeer } from './peer/human.ts';

type Stage = (typeof STAGES)[number];
type PipelineLike = Pick<FramePipeline, 'process' | 'setIdentity' | 'close'>;
type Create = (opts: { size: number; eyeContact?: EyeContactOptions }) => Promise<PipelineLike>;

interface Variant {
  label: string;
  create: Create;
}

interface Tally {
  sums: Record<Stage, number>;
  totals: number[];
  cpuMs: number;
  faces: number;
}

const tally = (): Tally => ({
  sums: Object.fromEntries(STAGES.map((k) => [k, 0])) as Record<Stage, number>,
  totals: [],
  cpuMs: 0,
  faces: 0,
});

async function decodeFrames(jpegs: Uint8Array[], width?: number, height?: number): Promise<RgbaFrame[]> {
  const out: RgbaFrame[] = [];
  for (const j of jpegs) {
    const input =
      width && height ? await sharp(j).resize(width, height, { fit: 'cover' }).jpeg().toBuffer() : j;
    out.push(await decodeImage(input));
  }
  return out;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function measure(
  name: string,
  rgba: RgbaFrame[],
  mode: PipelineMode,
  size: number,
  identity: string,
  variants: Variant[],
  peer: HumanPeer | null,
  warmup: number,
  count: number,
  eyeContact?: EyeContactOptions,
): Promise<void> {
  const frames: I420Frame[] = rgba.map((f) => rgbaToI420(f));
  const pipelines: PipelineLike[] = [];
  try {
    for (const v of variants) {
      const p = await v.create({ size, eyeContact });
      pipelines.push(p);
      if (mode !== 'eyes') await p.setIdentity([identity]);
    }
    const tallies = variants.map(tally);
    const peerTally = { ms: 0, cpuMs: 0, faces: 0 };
    for (let i = 0; i < warmup + count; i++) {
      const k = i % frames.length;
      // The order turns every frame: whoever runs right after the peer (TF.js thrashes the caches) or first
      // after a pause pays for it, so each variant takes that place as often as the other.
      for (let j = 0; j < pipelines.length; j++) {
        const v = (i + j) % pipelines.length;
        const c0 = cpuNow();
        const r = await pipelines[v].process(frames[k], mode);
        const cpu = cpuNow() - c0;
        if (i < warmup) continue;
        const t = tallies[v];
        if (r.face) t.faces++;
        for (const s of STAGES) t.sums[s] += r.timings[s];
        t.totals.push(r.timings.total);
        t.cpuMs += cpu;
      }
      if (peer) {
        const t0 = performance.now();
        const c0 = cpuNow();
        const face = await peer.detect(rgba[k]);
        if (i >= warmup) {
          peerTally.ms += performance.now() - t0;
          peerTally.cpuMs += cpuNow() - c0;
          if (face) peerTally.faces++;
        }
      }
    }
    const peerMs = peerTally.ms / count;
    variants.forEach((v, idx) => {
      const t = tallies[idx];
      const totals = [...t.totals].sort((a, b) => a - b);
      const ms = Object.fromEntries(STAGES.map((k) => [k, Number((t.sums[k] / count).toFixed(2))]));
      const line: Record<string, unknown> = {
        bench: 'pipeline',
        case: name,
        variant: v.label,
        width: frames[0].width,
        height: frames[0].height,
        frames: count,
        faceFrames: t.faces,
        ms,
        p95Total: Number(totals[Math.floor(0.95 * (totals.length - 1))].toFixed(2)),
        cpuMsPerFrame: Number((t.cpuMs / count).toFixed(2)),
        fps: Number((1000 / (ms.total as number)).toFixed(1)),
        ortThreads: process.env.ORT_THREADS ?? '1',
      };
      if (peer)
        Object.assign(line, {
          peer: peer.backend,
          peerMs: Number(peerMs.toFixed(2)),
          peerCpuMs: Number((peerTally.cpuMs / count).toFixed(2)),
          peerFaceFrames: peerTally.faces,
          ratioToPeer: Number(((ms.total as number) / peerMs).toFixed(3)),
          trackRatioToPeer: Number(((ms.track as number) / peerMs).toFixed(3)),
        });
      if (mode === 'eyes') {
        // The eye stage: the policy and the eye warp (geometry + generate), beside the tracker's time.
        const eyeStage = (t.sums.geometry + t.sums.generate) / count;
        line.eyeStage = Number(eyeStage.toFixed(2));
        line.eyeToTrack = Number((eyeStage / (ms.track as number)).toFixed(3));
      }
      process.stdout.write(`${JSON.stringify(line)}\n`);
    });
  } finally {
    for (const p of pipelines) await p.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      frames: { type: 'string', default: '100' },
      driver: { type: 'string', default: 'd3' },
      identity: { type: 'string', default: 's0' },
      cases: { type: 'string', default: 'avatar-256,avatar-512,eyes-640x480,eyes-640x480-forced' },
      peer: { type: 'boolean' },
      baseline: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const count = Number(values.frames);
  const jpegs = readMjpeg(join(FIXTURES_DIR, 'drivers', `${values.driver}.mjpeg`)).slice(0, count);
  const identity = join(FIXTURES_DIR, 'identities', `${values.identity}.jpg`);
  const variants: Variant[] = [{ label: 'current', create: (o) => FramePipeline.create(o) }];
  if (values.baseline) {
    const path = resolve(values.baseline, 'src', 'inference', 'pipeline', 'pipeline.ts');
    const mod = (await import(path)) as { FramePipeline: { create: Create } };
    variants.push({ label: 'baseline', create: (o) => mod.FramePipeline.create(o) });
  }
  const peer = values.peer ? await createHumanPeer() : null;
  try {
    const cases = new Set(values.cases.split(','));
    const square = cases.has('avatar-256') || cases.has('avatar-512') ? await decodeFrames(jpegs) : [];
    for (const size of [256, 512])
      if (cases.has(`avatar-${size}`))
        await measure(`avatar-${size}`, square, 'avatar', size, identity, variants, peer, 10, count);
    if (cases.has('eyes-640x480')) {
      const vga = await decodeFrames(jpegs, 640, 480);
      await measure('eyes-640x480', vga, 'eyes', 256, identity, variants, peer, 10, count);
    }
    if (cases.has('eyes-640x480-forced')) {
      // Forced to full strength on every open-eyed frame, so the eye warp runs on each.
      const forced: EyeContactOptions = {
        fullDeg: 80,
        noneDeg: 90,
        headPitchDeg: [80, 90],
        headYawDeg: [80, 90],
        lookAway: false,
      };
      const vga = await decodeFrames(jpegs, 640, 480);
      await measure('eyes-640x480-forced', vga, 'eyes', 256, identity, variants, peer, 10, count, forced);
    }
  } finally {
    await peer?.close();
  }
}

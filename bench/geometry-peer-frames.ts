// The fixture drivers run through the Human peer once, cached under .cache/geometry/peer/<driver>.json
// (landmarks + Human's angles per frame), so the template build, the fixture test and the geometry bench do
// not pay TF.js again. Human's mesh keeps its raw model depth (not in image pixels), so z is rescaled here to
// the image's pixel scale with the crop scale estimated from the mesh itself (see rescaleDepth).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readMjpeg } from '../src/util/mjpeg.ts';
import { FIXTURES_DIR, PROJECT_ROOT } from '../src/util/paths.ts';
import { decodeImage } from '../src/video/image.ts';
import { createHumanPeer } from './peer/human.ts';

export interface PeerFrame {
  frame: number;
  /** 478 x 3 (null when Human found no face). */
  mesh: number[] | null;
  angles: { yaw: number; pitch: number; roll: number } | null;
}

export interface PeerDriver {
  name: string;
  width: number;
  height: number;
  frames: PeerFrame[];
}

const CACHE_DIR = resolve(PROJECT_ROOT, '.cache', 'geometry', 'peer');

export function driverPaths(): string[] {
  const dir = join(FIXTURES_DIR, 'drivers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.mjpeg'))
    .sort()
    .map((f) => join(dir, f));
}

/** Human's landmarks for every frame of a driver (cached). */
export async function peerFrames(driverPath: string): Promise<PeerDriver> {
  const name = basename(driverPath, '.mjpeg');
  const cache = join(CACHE_DIR, `${name}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as PeerDriver;
  const peer = await createHumanPeer();
  try {
    const jpegs = readMjpeg(driverPath);
    const frames: PeerFrame[] = [];
    let width = 0;
    let height = 0;
    for (let i = 0; i < jpegs.length; i++) {
      const img = await decodeImage(jpegs[i]);
      width = img.width;
      height = img.height;
      const face = await peer.detect(img);
      if (!face) {
        frames.push({ frame: i, mesh: null, angles: null });
        continue;
      }
      const mesh = Array.from(rescaleDepth(face.mesh, face.box), (v) => Math.round(v * 1000) / 1000);
      frames.push({ frame: i, mesh, angles: face.angles });
    }
    const out: PeerDriver = { name, width, height, frames };
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(cache, JSON.stringify(out));
    return out;
  } finally {
    await peer.close();
  }
}

/**
 * Human leaves z in its face-mesh crop's units (192 px a side) and truncated to integers, while x/y are image
 * pixels. Its returned box is the crop box (squared, 1.4x the detection) re-centred on the mesh, so the crop's
 * scale is box size / 192 and z * that scale is in image pixels (as our tracker reports it).
 */
export function rescaleDepth(mesh: Float32Array, box: { width: number; height: number }): Float32Array {
  const out = Float32Array.from(mesh);
  const k = Math.max(box.width, box.height) / 192;
  for (let i = 0; i < 478; i++) out[i * 3 + 2] = mesh[i * 3 + 2] * k;
  return out;
}

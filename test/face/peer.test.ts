// The peer harness (Human on TF.js WASM): it finds the face on a fixture frame and its landmarks follow the
// MediaPipe convention the tracker and the NME comparison rely on.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHumanPeer, type HumanPeer, unmirroredIris } from '../../bench/peer/human.ts';
import { readMjpeg } from '../../src/util/mjpeg.ts';
import { FIXTURES_DIR, fixturesAvailable } from '../../src/util/paths.ts';
import { decodeImage } from '../../src/video/image.ts';

const dist = (m: Float32Array, i: number, x: number, y: number) => Math.hypot(m[i * 3] - x, m[i * 3 + 1] - y);
const mid = (m: Float32Array, a: number, b: number): [number, number] => [
  (m[a * 3] + m[b * 3]) / 2,
  (m[a * 3 + 1] + m[b * 3 + 1]) / 2,
];

describe.skipIf(!fixturesAvailable())(`Human peer (fixtures in ${FIXTURES_DIR}; skipped when absent)`, () => {
  let peer: HumanPeer;
  beforeAll(async () => {
    peer = await createHumanPeer();
  }, 60_000);
  afterAll(async () => {
    await peer?.close();
  });

  it('finds the face and returns irises in MediaPipe order (468 at 33/133, 473 at 263/362)', async () => {
    const frame = await decodeImage(readMjpeg(resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg'))[0]);
    const face = await peer.detect(frame);
    expect(face).not.toBeNull();
    if (!face) return;
    expect(face.mesh.length).toBe(478 * 3);
    const right = mid(face.mesh, 33, 133);
    const left = mid(face.mesh, 263, 362);
    const iod = Math.hypot(right[0] - left[0], right[1] - left[1]);
    expect(iod).toBeGreaterThan(20);
    expect(dist(face.mesh, 468, ...right)).toBeLessThan(0.25 * iod);
    expect(dist(face.mesh, 473, ...left)).toBeLessThan(0.25 * iod);
    // Non-mirrored frame: the subject's right eye is on the image left.
    expect(right[0]).toBeLessThan(left[0]);
    expect(Math.abs(face.angles.yaw)).toBeLessThan(90);
  }, 60_000);

  it("un-mirrors Human's right iris: both irises follow a glance to the side together", async () => {
    // d0 frame 0 looks into the camera, frame 24 far to the side (checked by eye): both eyes turn the same way.
    const clip = readMjpeg(resolve(FIXTURES_DIR, 'drivers', 'd0.mjpeg'));
    const a = await peer.detect(await decodeImage(clip[0]));
    const b = await peer.detect(await decodeImage(clip[24]));
    expect(a && b).toBeTruthy();
    if (!a || !b) return;
    // Iris x relative to its eye's corner midpoint.
    const rel = (m: Float32Array, iris: number, c0: number, c1: number) => m[iris * 3] - mid(m, c0, c1)[0];
    const leftMove = rel(b.mesh, 473, 263, 362) - rel(a.mesh, 473, 263, 362);
    const rawRightMove = rel(b.mesh, 468, 33, 133) - rel(a.mesh, 468, 33, 133);
    const rightMove = rel(unmirroredIris(b.mesh), 468, 33, 133) - rel(unmirroredIris(a.mesh), 468, 33, 133);
    expect(Math.abs(leftMove)).toBeGreaterThan(3);
    expect(Math.sign(rightMove)).toBe(Math.sign(leftMove));
    expect(Math.sign(rawRightMove)).toBe(-Math.sign(leftMove));
  }, 60_000);

  it('returns null on a blank frame', async () => {
    const frame = {
      format: 'rgba' as const,
      width: 256,
      height: 256,
      data: new Uint8Array(256 * 256 * 4).fill(128),
    };
    expect(await peer.detect(frame)).toBeNull();
  }, 60_000);
});

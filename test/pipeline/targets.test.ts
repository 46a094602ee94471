// The pipeline's geometry stage on synthetic faces (the geometry module's template, posed): relative
// re-enactment keeps the source's place and size and applies the driver's motion; eye contact turns the eyes
// toward the camera (irises with the eyeball, lid margins following its vertical part, corners and everything
// else still) and leaves the eyes alone when the gaze is far off.
import { describe, expect, it } from 'vitest';
import { EYES } from '../../src/inference/generator/regions.ts';
import { TEMPLATE } from '../../src/inference/geometry/index.ts';
import { eulerToMat3, RAD } from '../../src/inference/geometry/math.ts';
import { applySimilarity } from '../../src/inference/geometry/umeyama.ts';
import { AvatarGeometry, DriverGeometry } from '../../src/inference/pipeline/targets.ts';

const posed = (yaw: number, scale: number, tx: number, ty: number) =>
  Float32Array.from(
    applySimilarity(
      { scale, rotation: eulerToMat3(0, yaw * RAD, 0), translation: [tx, ty, 0] },
      TEMPLATE,
      new Float64Array(1434),
    ),
  );

const NOSE_TIP = 1;
const IRIS = [468, 469, 470, 471, 472, 473, 474, 475, 476, 477];
const interOcular = (p: ArrayLike<number>) =>
  Math.hypot(p[3 * 33] - p[3 * 263], p[3 * 33 + 1] - p[3 * 263 + 1]);

describe('pipeline geometry stage', () => {
  it('relative re-enactment: the source keeps its place and size, the driver turn is applied', () => {
    const source = posed(0, 60, 128, 130);
    const avatar = new AvatarGeometry(source, 256);
    const driver = new DriverGeometry();
    const first = avatar.retarget(driver.analyze(posed(0, 150, 300, 260), 640, 480, 0));
    for (let i = 0; i < 1434; i++) expect(Math.abs(first[i] - source[i])).toBeLessThan(0.05);
    const turned = avatar.retarget(driver.analyze(posed(15, 150, 300, 260), 640, 480, 40));
    // Same shift of the nose tip as a source turned by 15 degrees in place, at the source's size.
    const expected = posed(15, 60, 128, 130);
    expect(turned[3 * NOSE_TIP] - source[3 * NOSE_TIP]).toBeCloseTo(
      expected[3 * NOSE_TIP] - source[3 * NOSE_TIP],
      1,
    );
    expect(Math.abs(turned[3 * NOSE_TIP] - source[3 * NOSE_TIP])).toBeGreaterThan(1);
    expect(interOcular(turned) / interOcular(expected)).toBeCloseTo(1, 2);
    // The avatar's eyes are placed where the target's eyes are.
    const eyeX = (turned[3 * 263] + turned[3 * 362]) / 2;
    expect(Math.abs(avatar.eyes.left.centre[0] - eyeX)).toBeLessThan(0.2 * interOcular(turned));
  });

  it("eye contact on the user's own eyes: irises and lid margins move, only while the gaze is near the camera", () => {
    const driver = new DriverGeometry({ lookAway: false });
    const face = posed(0, 150, 320, 240);
    // Eyes looking ~10 degrees down (irises lowered), as when reading below the camera.
    const down = Float32Array.from(face);
    const eyeW = face[3 * 133] - face[3 * 33];
    for (const i of IRIS) down[3 * i + 1] += 0.09 * Math.abs(eyeW);
    let moved = new Float32Array(0);
    let weight = 0;
    for (let f = 0; f < 20; f++) {
      driver.analyze(down, 640, 480, f * 40);
      moved = Float32Array.from(down);
      weight = driver.redirectOwnEyes(moved, f * 40).weight;
    }
    expect(weight).toBeGreaterThan(0.9);
    const lids = new Set(
      EYES.flatMap((e) => e.ring.filter((i) => i !== e.outerCorner && i !== e.innerCorner)),
    );
    for (let i = 0; i < 468; i++) {
      if (lids.has(i)) continue;
      expect(moved[3 * i]).toBe(down[3 * i]);
      expect(moved[3 * i + 1]).toBe(down[3 * i + 1]);
    }
    for (const e of EYES) {
      const irisUp = down[3 * e.iris + 1] - moved[3 * e.iris + 1];
      const upperUp = down[3 * e.upperMid + 1] - moved[3 * e.upperMid + 1];
      const lowerUp = down[3 * e.lowerMid + 1] - moved[3 * e.lowerMid + 1];
      expect(irisUp).toBeGreaterThan(1);
      expect(upperUp).toBeGreaterThan(0.5 * irisUp);
      expect(lowerUp).toBeGreaterThanOrEqual(0);
      expect(lowerUp).toBeLessThan(upperUp);
    }
    // Looking far to the side (irises pushed toward the outer corners): released, nothing moves.
    const away = Float32Array.from(face);
    for (const i of IRIS) away[3 * i] += 0.45 * (face[3 * 133] - face[3 * 33]) * (i < 473 ? -1 : 1);
    for (let f = 20; f < 40; f++) {
      driver.analyze(away, 640, 480, f * 40);
      moved = Float32Array.from(away);
      weight = driver.redirectOwnEyes(moved, f * 40).weight;
    }
    expect(weight).toBeLessThan(0.01);
    for (let i = 0; i < 1434; i++) expect(Math.abs(moved[i] - away[i])).toBeLessThan(0.05);
  });

  it("avatar eye contact: the avatar's target lids follow its turned eyes", () => {
    const source = posed(0, 60, 128, 130);
    const avatar = new AvatarGeometry(source, 256);
    const driver = new DriverGeometry({ lookAway: false });
    const face = posed(0, 150, 320, 240);
    const down = Float32Array.from(face);
    const eyeW = Math.abs(face[3 * 133] - face[3 * 33]);
    for (const i of IRIS) down[3 * i + 1] += 0.09 * eyeW;
    let plain = new Float32Array(0);
    let turned = new Float32Array(0);
    for (let f = 0; f < 20; f++) {
      const geo = driver.analyze(down, 640, 480, f * 40);
      plain = Float32Array.from(avatar.retarget(geo));
      turned = Float32Array.from(plain);
      driver.redirectAvatarEyes(turned, avatar.eyes, f * 40);
    }
    for (const e of EYES) {
      const irisUp = plain[3 * e.iris + 1] - turned[3 * e.iris + 1];
      expect(irisUp).toBeGreaterThan(0.3);
      expect(plain[3 * e.upperMid + 1] - turned[3 * e.upperMid + 1]).toBeGreaterThan(0.5 * irisUp);
      expect(turned[3 * e.outerCorner + 1]).toBe(plain[3 * e.outerCorner + 1]);
    }
  });
});

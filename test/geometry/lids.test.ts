// Eyelid transfer: a driver's blink closes the avatar's eye fully whatever the two faces' lid gaps.
import { describe, expect, it } from 'vitest';
import { LEFT_LID_PAIRS, RIGHT_LID_PAIRS } from '../../src/inference/geometry/landmarks.ts';
import { newHeadPose } from '../../src/inference/geometry/pose.ts';
import { lidScale, Reenactor } from '../../src/inference/geometry/reenact.ts';
import { syntheticFace } from '../generator/synthetic-face.ts';

const gap = (p: ArrayLike<number>, pairs: ReadonlyArray<readonly [number, number]>) =>
  pairs.reduce((g, [u, l]) => g + Math.hypot(p[3 * u] - p[3 * l], p[3 * u + 1] - p[3 * l + 1]), 0) /
  pairs.length;

function identityPose() {
  const pose = newHeadPose();
  pose.rotation.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  return pose;
}

describe('eyelid transfer', () => {
  // A portrait's wide-open eyes driven by a face whose resting eyes are half as open.
  const source = syntheticFace({ eyeOpen: 0.6 });
  const driverNeutral = syntheticFace({ eyeOpen: 0.3 });

  it('scales lid motion by the ratio of the lid gaps, per eye', () => {
    const k = lidScale(source, driverNeutral);
    expect(k.right).toBeCloseTo(gap(source, RIGHT_LID_PAIRS) / gap(driverNeutral, RIGHT_LID_PAIRS), 6);
    expect(k.left).toBeCloseTo(gap(source, LEFT_LID_PAIRS) / gap(driverNeutral, LEFT_LID_PAIRS), 6);
    expect(k.right).toBeGreaterThan(1.5);
  });

  it("a driver blink closes the source's eye instead of lowering its lid by the driver's travel", () => {
    const driverBlink = syntheticFace({ eyeOpen: 0 });
    const expression = new Float32Array(478 * 3);
    for (let i = 0; i < expression.length; i++) expression[i] = driverBlink[i] - driverNeutral[i];
    const r = new Reenactor({ mode: 'absolute' });
    r.setSource({ pose: identityPose(), canonical: source });
    const out = new Float32Array(478 * 3);
    r.update({ pose: identityPose(), canonical: driverNeutral, expression }, out);
    const before = gap(source, RIGHT_LID_PAIRS);
    expect(gap(out, RIGHT_LID_PAIRS)).toBeLessThan(0.05 * before);
    expect(gap(out, LEFT_LID_PAIRS)).toBeLessThan(0.05 * gap(source, LEFT_LID_PAIRS));
    // With no expression the source's lids stay where they are.
    r.update({ pose: identityPose(), canonical: driverNeutral, expression: new Float32Array(478 * 3) }, out);
    expect(gap(out, RIGHT_LID_PAIRS)).toBeCloseTo(before, 4);
  });
});

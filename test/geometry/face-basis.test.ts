// The face basis (models/face-basis.json, src/inference/geometry/face-basis.ts): an open-mouthed photo's
// expression is taken out, its identity's proportions kept.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mouthOpening } from '../../src/inference/geometry/expression.ts';
import { FACE_BASIS_PATH, faceBasis } from '../../src/inference/geometry/face-basis.ts';

const file = JSON.parse(readFileSync(FACE_BASIS_PATH, 'utf8')) as {
  mean: number[];
  identity: { basis: number[][]; sd: number[] };
  expression: { basis: number[][]; sd: number[] };
};
const mean = Float32Array.from(file.mean);
const along = (part: 'identity' | 'expression', k: number, sds: number) =>
  mean.map((m, i) => m + sds * file[part].sd[k] * file[part].basis[k][i]);
const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
};
/** Outer eye corners' span and eye line to chin: an identity's proportions. */
const span = (p: ArrayLike<number>) => Math.hypot(p[33 * 3] - p[263 * 3], p[33 * 3 + 1] - p[263 * 3 + 1]);
const chin = (p: ArrayLike<number>) => p[152 * 3 + 1] - p[168 * 3 + 1];

describe('face basis', () => {
  const basis = faceBasis();
  const neutral = (f: Float32Array) => {
    if (!basis) throw new Error('no face basis committed');
    return basis.neutralOf(f);
  };

  it('leaves the mean face as it is, whose mouth is closed', () => {
    expect(dist(neutral(mean), mean)).toBeLessThan(1e-6);
    expect(mouthOpening(mean)).toBeLessThan(0.06);
  });

  it('closes a mouth the expression components opened', () => {
    // The expression component that opens the mouth most.
    const open = file.expression.sd
      .map((_, k) => k)
      .sort((a, b) => mouthOpening(along('expression', b, 2)) - mouthOpening(along('expression', a, 2)))[0];
    const face = along('expression', open, 2);
    expect(mouthOpening(face) - mouthOpening(mean)).toBeGreaterThan(0.08);
    expect(Math.abs(mouthOpening(neutral(face)) - mouthOpening(mean))).toBeLessThan(0.025);
  });

  it("keeps an identity's proportions and moves it less than an expression", () => {
    let identityMoved = 0;
    let expressionMoved = 0;
    for (let k = 0; k < 6; k++)
      for (const s of [2, -2]) {
        const face = along('identity', k, s);
        const n = neutral(face);
        expect(Math.abs(span(n) / span(face) - 1)).toBeLessThan(0.02);
        expect(Math.abs(chin(n) / chin(face) - 1)).toBeLessThan(0.02);
        identityMoved += dist(n, face) / dist(face, mean);
        const e = along('expression', k, s);
        expressionMoved += dist(neutral(e), e) / dist(e, mean);
      }
    expect(expressionMoved).toBeGreaterThan(1.5 * identityMoved);
  });
});

// The mouth interior a warp cannot show: when the target opens the mouth wider than any source, a cavity (and,
// on request, an upper and a lower teeth band) is drawn inside the target's inner-lip contour, following the
// lips, toned from the source's own lip and skin colours. It is composed over the built-in generator's output (a trained
// generator renders its own mouth).
import { insidePolygon, polygonArea, polygonBox, ringXY } from './polygon.ts';
import { INNER_LIPS, INNER_LIPS_UPPER } from './regions.ts';

/** Inner-lip gap relative to the mouth width (0 closed, ~0.5 wide open). */
export function mouthOpening(kp: ArrayLike<number>): number {
  const w = Math.hypot(kp[3 * 308] - kp[3 * 78], kp[3 * 308 + 1] - kp[3 * 78 + 1]);
  const poly = ringXY(kp, INNER_LIPS);
  return w > 1e-3 ? polygonArea(poly) / (w * w) : 0;
}

export interface MouthTone {
  lip: [number, number, number];
  skin: [number, number, number];
}

/** Lip and skin colours sampled from a planar [3,H,W] source image at its landmarks. */
export function mouthTone(
  image: Float32Array,
  width: number,
  height: number,
  kp: ArrayLike<number>,
): MouthTone {
  const sample = (idx: readonly number[]): [number, number, number] => {
    const c: [number, number, number] = [0, 0, 0];
    for (const i of idx) {
      const x = Math.min(width - 1, Math.max(0, Math.floor(kp[3 * i])));
      const y = Math.min(height - 1, Math.max(0, Math.floor(kp[3 * i + 1])));
      for (let ch = 0; ch < 3; ch++) c[ch] += image[ch * width * height + y * width + x] / idx.length;
    }
    return c;
  };
  return { lip: sample([0, 17, 37, 267, 84, 314, 40, 270]), skin: sample([50, 280, 101, 330, 205, 425]) };
}

const scratchPoly = new Float32Array(INNER_LIPS.length * 2);

/**
 * Draws the mouth over `image` (planar [3,H,W]) inside the target's inner lips, anti-aliased at the lip edge.
 * Returns false (nothing drawn) when the mouth is closed. `teeth` (default off) adds the drawn teeth bands: the
 * avatar leaves them out since they cost the mouth's motion and likeness (issue 23, classic renderer, our
 * tracker reading the output: mouth-opening r on s0 / s12 x d12 0.909 / 0.822 with teeth, 0.920 / 0.883
 * without; mouth SSIM on 10 validation clips 0.543 with, 0.567 without): a bright band below the upper lip read
 * as lip, and the real mouths mostly show a dark opening.
 */
export function renderMouth(
  target: ArrayLike<number>,
  tone: MouthTone,
  width: number,
  height: number,
  image: Float32Array,
  opts: { teeth?: boolean } = {},
): boolean {
  const poly = ringXY(target, INNER_LIPS, scratchPoly);
  const cx = target[3 * 78];
  const cy = target[3 * 78 + 1];
  const ax = target[3 * 308] - cx;
  const ay = target[3 * 308 + 1] - cy;
  const mw = Math.hypot(ax, ay);
  if (mw < 2 || polygonArea(poly) / (mw * mw) < 0.015) return false;
  const ux = ax / mw;
  const uy = ay / mw;
  const vx = -uy;
  const vy = ux;
  // Upper and lower inner-lip curves as v(u), u in [0, 1] along the mouth.
  const upper: [number, number][] = [];
  const lower: [number, number][] = [];
  for (let k = 0; k < INNER_LIPS.length; k++) {
    const rx = poly[2 * k] - cx;
    const ry = poly[2 * k + 1] - cy;
    const pt: [number, number] = [(rx * ux + ry * uy) / mw, rx * vx + ry * vy];
    if (k < INNER_LIPS_UPPER) upper.push(pt);
    if (k >= INNER_LIPS_UPPER - 1 || k === 0) lower.push(pt);
  }
  upper.sort((a, b) => a[0] - b[0]);
  lower.sort((a, b) => a[0] - b[0]);
  const curve = (c: [number, number][], u: number): number => {
    if (u <= c[0][0]) return c[0][1];
    for (let k = 1; k < c.length; k++) {
      if (u <= c[k][0]) {
        const t = (u - c[k - 1][0]) / Math.max(c[k][0] - c[k - 1][0], 1e-6);
        return c[k - 1][1] + t * (c[k][1] - c[k - 1][1]);
      }
    }
    return c[c.length - 1][1];
  };
  let maxOpen = 0;
  for (let u = 0.3; u <= 0.7; u += 0.1) maxOpen = Math.max(maxOpen, curve(lower, u) - curve(upper, u));
  // Upper teeth fill most of a smile's opening; the lower ones show as a narrower band above the lower lip.
  const teethH = opts.teeth ? Math.min(0.17 * mw, 0.6 * maxOpen) : 0;
  const lowerH = opts.teeth ? Math.min(0.09 * mw, 0.3 * maxOpen) : 0;
  const lum = (c: [number, number, number]) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  const skinLum = Math.max(lum(tone.skin), 1e-3);
  const toneK = Math.min(1.05, Math.max(0.55, skinLum / 0.62));
  // Teeth take the photo's white balance and exposure from its skin (a warm painting gets warm teeth, a cool
  // webcam photo cooler ones): a fixed enamel colour, a quarter of it tinted by the skin's chromaticity.
  const teeth = [0.9, 0.86, 0.78].map((c, i) => toneK * (0.75 * c + 0.25 * c * (tone.skin[i] / skinLum)));
  const cavity = tone.lip.map((c) => c * 0.28);
  const tongue = tone.lip.map((c) => c * 0.6);
  const box = polygonBox(poly, width, height);
  const plane = width * height;
  for (let py = box.y0; py <= box.y1; py++) {
    for (let px = box.x0; px <= box.x1; px++) {
      let cov = 0;
      for (const [ox, oy] of [
        [0.25, 0.25],
        [0.75, 0.25],
        [0.25, 0.75],
        [0.75, 0.75],
      ])
        if (insidePolygon(poly, px + ox, py + oy)) cov += 0.25;
      if (cov === 0) continue;
      const rx = px + 0.5 - cx;
      const ry = py + 0.5 - cy;
      const u = (rx * ux + ry * uy) / mw;
      const v = rx * vx + ry * vy;
      const vu = curve(upper, u);
      const vl = curve(lower, u);
      const a = v - vu;
      const b = vl - v;
      const side = Math.abs(u - 0.5);
      // Teeth reach most of the way to the corners, fading into the corners' shadow.
      const lateral = Math.max(0, 1 - Math.max(0, side - 0.32) / 0.14);
      const depthT = 1 - 0.35 * Math.min(1, side / 0.45);
      const open = Math.max(vl - vu, 1e-3);
      const t = Math.min(1, Math.max(0, a / open));
      const rgb = [0, 1, 2].map(
        (c) => cavity[c] + (tongue[c] - cavity[c]) * Math.max(0, (t - 0.65) / 0.35) ** 2,
      );
      let tw = 0;
      let edge = 0;
      if (a < teethH) {
        tw = lateral * Math.min(1, (teethH - a) / 1.5);
        edge = a / Math.max(teethH, 1);
      } else if (b < lowerH) {
        tw = 0.85 * lateral * Math.min(1, (lowerH - b) / 1.5);
        edge = b / Math.max(lowerH, 1);
      }
      if (tw > 0) {
        // Each tooth is rounded (darker toward its sides); central incisors are the widest.
        const k = side < 0.065 ? side / 0.065 : 1 + (side - 0.065) / 0.085;
        const f = k - Math.floor(k);
        const round = 1 - 0.18 * (2 * f - 1) ** 4;
        // The lip shades the root of the upper teeth; the biting edge is slightly translucent.
        const shade = depthT * round * (0.82 + 0.18 * Math.min(1, edge * 3)) * (edge > 0.85 ? 0.92 : 1);
        for (let c = 0; c < 3; c++) rgb[c] = rgb[c] + (teeth[c] * shade - rgb[c]) * tw;
      }
      const p = py * width + px;
      for (let c = 0; c < 3; c++) image[c * plane + p] += (rgb[c] - image[c * plane + p]) * cov;
    }
  }
  return true;
}

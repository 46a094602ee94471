// A key-point sketch for the --sketch debug output and for generators that declare sketch inputs: the face's
// outline, eyes, lips and irises drawn as lines on black (planar RGB in [0,1] or RGBA bytes).
import { EYES, FACE_OVAL, INNER_LIPS, OUTER_LIPS } from '../generator/regions.ts';

const RINGS: { ring: readonly number[]; colour: [number, number, number] }[] = [
  { ring: FACE_OVAL, colour: [1, 1, 1] },
  { ring: EYES[0].ring, colour: [0.3, 0.8, 1] },
  { ring: EYES[1].ring, colour: [0.3, 0.8, 1] },
  { ring: OUTER_LIPS, colour: [1, 0.4, 0.4] },
  { ring: INNER_LIPS, colour: [1, 0.75, 0.3] },
];

/** Draws into planar [3,H,W] (cleared first). */
export function drawSketch(
  kp: ArrayLike<number>,
  width: number,
  height: number,
  out = new Float32Array(3 * width * height),
): Float32Array {
  out.fill(0);
  const n = width * height;
  const dot = (x: number, y: number, c: readonly number[]) => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const p = yi * width + xi;
    out[p] = c[0];
    out[n + p] = c[1];
    out[2 * n + p] = c[2];
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: readonly number[]) => {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= steps; s++) dot(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, c);
  };
  for (const { ring, colour } of RINGS) {
    for (let k = 0; k < ring.length; k++) {
      const a = ring[k];
      const b = ring[(k + 1) % ring.length];
      line(kp[3 * a], kp[3 * a + 1], kp[3 * b], kp[3 * b + 1], colour);
    }
  }
  for (const eye of EYES) {
    const cx = kp[3 * eye.iris];
    const cy = kp[3 * eye.iris + 1];
    let r = 0;
    for (let k = 1; k <= 4; k++)
      r += Math.hypot(kp[3 * (eye.iris + k)] - cx, kp[3 * (eye.iris + k) + 1] - cy) / 4;
    const steps = Math.max(8, Math.ceil(2 * Math.PI * r));
    for (let s = 0; s < steps; s++) {
      const a = (2 * Math.PI * s) / steps;
      dot(cx + r * Math.cos(a), cy + r * Math.sin(a), [0.2, 1, 0.3]);
    }
    dot(cx, cy, [0.2, 1, 0.3]);
  }
  return out;
}

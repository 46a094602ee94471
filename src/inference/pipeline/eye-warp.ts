// The eye-region warp of eye contact: a backward map over each whole eye region (corner to corner, from a band
// above the upper lid to a band below the lower one) driven by the eyeball's turn (geometry/eye-turn.ts).
// - Inside the new lid opening, iris and sclera are the eyeball's surface turned back to where the frame shows
//   it (a sphere through the iris centre; the turn fades out beyond the iris toward the corners, where the
//   opening shows no eyeball to turn).
// - The lid margins move as lid-follow.ts says (upper ~ the eye, lower less, corners fixed); the lid skin
//   between a margin and its band's far edge is stretched or compressed along the eye's vertical axis, so the
//   far edges (crease, brow, glasses frames) and everything beyond keep their place.
// - What the turned eyeball shows but the frame hides under a lid is filled from what is visible of the same
//   eye: the iris from its own visible half at the same radius (an iris is close to radially symmetric), the
//   sclera by reflection across the lid margin, kept off the iris.
// The map is continuous (no seams to feather) and the identity at every region edge, so pixels outside the
// regions keep their bytes.
import type { EyeRegion } from '../generator/regions.ts';
import { type EyeTurn, irisShift, rotationBetween } from '../geometry/eye-turn.ts';
import {
  type EyeAxes,
  eyeAxes,
  LOWER_LID_FOLLOW,
  lidTaper,
  UPPER_LID_FOLLOW,
} from '../geometry/lid-follow.ts';

/** Band heights (eye lengths) over which the lids' movement is spread: above the upper margin, below the lower. */
export interface EyeBands {
  above: number;
  below: number;
}

export const DEFAULT_BANDS: EyeBands = { above: 0.35, below: 0.3 };

/** A lid can move at most this share of its band (the skin is compressed to no less than the rest). */
const MAX_SQUEEZE = 0.6;
/** The turn fades out between these multiples of the iris-surface radius (the sclera toward the corners). */
const FADE_IN = 0.9;
const FADE_OUT = 1.3;
/** ... and within this share of the eye length from each corner. */
const CORNER = 0.1;

const CURVE = 41;

/** A lid curve v(u) in eye lengths, sampled at CURVE points u in [0, 1], from the ring points `idx`. */
function lidCurve(
  kp: ArrayLike<number>,
  idx: readonly number[],
  a: EyeAxes,
  out: Float32Array,
): Float32Array {
  const us: number[] = [];
  const vs: number[] = [];
  for (const i of idx) {
    const rx = kp[3 * i] - a.ox;
    const ry = kp[3 * i + 1] - a.oy;
    us.push((rx * a.ux + ry * a.uy) / a.length);
    vs.push((rx * a.vx + ry * a.vy) / a.length);
  }
  for (let j = 0; j < CURVE; j++) {
    const u = j / (CURVE - 1);
    let v = u < 0.5 ? vs[0] : vs[vs.length - 1];
    for (let k = 1; k < us.length; k++) {
      const lo = Math.min(us[k - 1], us[k]);
      const hi = Math.max(us[k - 1], us[k]);
      if (u >= lo && u <= hi) {
        v = hi > lo ? vs[k - 1] + ((u - us[k - 1]) / (us[k] - us[k - 1])) * (vs[k] - vs[k - 1]) : vs[k];
        break;
      }
    }
    out[j] = v;
  }
  return out;
}

const at = (c: Float32Array, u: number): number => {
  const x = Math.min(Math.max(u, 0), 1) * (CURVE - 1);
  const i = Math.min(Math.floor(x), CURVE - 2);
  return c[i] + (x - i) * (c[i + 1] - c[i]);
};

/** The lid rings of an eye as index lists: upper (outer -> inner corner) and lower (outer -> inner). */
function lidRings(eye: EyeRegion): { upper: number[]; lower: number[] } {
  const upper = eye.ring.slice(0, eye.upper);
  const lower = [eye.ring[0], ...eye.ring.slice(eye.upper).reverse(), eye.ring[eye.upper - 1]];
  return { upper, lower };
}

export interface EyeGeometry {
  axes: EyeAxes;
  upper: Float32Array;
  lower: Float32Array;
}

/** An eye's corner frame and lid curves in `kp`. */
export function eyeGeometry(kp: ArrayLike<number>, eye: EyeRegion): EyeGeometry {
  const axes = eyeAxes(kp, eye);
  const r = lidRings(eye);
  return {
    axes,
    upper: lidCurve(kp, r.upper, axes, new Float32Array(CURVE)),
    lower: lidCurve(kp, r.lower, axes, new Float32Array(CURVE)),
  };
}

/** Pixel box (inclusive) of the eye's warp region: corners (or u0..u1 along the eye) to the bands' far edges. */
export function regionBox(
  g: EyeGeometry,
  bands: EyeBands,
  u0 = 0,
  u1 = 1,
): { x0: number; y0: number; x1: number; y1: number } {
  let vTop = Infinity;
  let vBottom = -Infinity;
  for (let j = 0; j < CURVE; j++) {
    vTop = Math.min(vTop, g.upper[j] - bands.above);
    vBottom = Math.max(vBottom, g.lower[j] + bands.below);
  }
  const a = g.axes;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const u of [u0, u1])
    for (const v of [vTop, vBottom]) {
      xs.push(a.ox + (u * a.ux + v * a.vx) * a.length);
      ys.push(a.oy + (u * a.uy + v * a.vy) * a.length);
    }
  return {
    x0: Math.floor(Math.min(...xs)) - 1,
    y0: Math.floor(Math.min(...ys)) - 1,
    x1: Math.ceil(Math.max(...xs)) + 1,
    y1: Math.ceil(Math.max(...ys)) + 1,
  };
}

export interface WarpTarget {
  map: Float32Array;
  width: number;
  height: number;
}

/**
 * Writes the backward map of one eye's region into `m` (which holds the identity elsewhere). `kp` are the
 * frame's key-points and `turn` the correction, both in `m`'s pixel coordinates. Returns whether any pixel moved.
 */
export function warpEye(
  m: WarpTarget,
  kp: ArrayLike<number>,
  eye: EyeRegion,
  turn: EyeTurn,
  bands: EyeBands,
) {
  const g = eyeGeometry(kp, eye);
  const a = g.axes;
  const L = a.length;
  const [sx, sy] = irisShift(turn);
  const dv = (sx * a.vx + sy * a.vy) / L;
  if (sx === 0 && sy === 0) return false;
  // Lid travel, limited to what the bands can take.
  const up = clampTravel(UPPER_LID_FOLLOW * dv, bands.above);
  const low = clampTravel(LOWER_LID_FOLLOW * dv, bands.below);
  const back = rotationBetween(turn.to, turn.from);
  const cx = turn.centre[0];
  const cy = turn.centre[1];
  const R = turn.radius;
  const ix = kp[3 * eye.iris];
  const iy = kp[3 * eye.iris + 1];
  let ir = 0;
  for (let k = 1; k <= 4; k++)
    ir += Math.hypot(kp[3 * (eye.iris + k)] - ix, kp[3 * (eye.iris + k) + 1] - iy) / 4;
  const iu = ((ix - a.ox) * a.ux + (iy - a.oy) * a.uy) / L;
  const iv = ((ix - a.ox) * a.vx + (iy - a.oy) * a.vy) / L;
  const irL = ir / L;
  // The iris centre after the turn (eye lengths).
  const tiu = iu + (sx * a.ux + sy * a.uy) / L;
  // Inside the frame's opening; a sample on the lash line is what a pixel beside the new lash line should show.
  const visible = (u: number, v: number) => u > 0.02 && u < 0.98 && v > at(g.upper, u) && v < at(g.lower, u);
  const box = regionBox(g, bands);
  const x0 = Math.max(0, box.x0);
  const y0 = Math.max(0, box.y0);
  const x1 = Math.min(m.width - 1, box.x1);
  const y1 = Math.min(m.height - 1, box.y1);
  let moved = false;
  for (let py = y0; py <= y1; py++)
    for (let px = x0; px <= x1; px++) {
      const x = px + 0.5;
      const y = py + 0.5;
      const rx = x - a.ox;
      const ry = y - a.oy;
      const u = (rx * a.ux + ry * a.uy) / L;
      if (u <= 0 || u >= 1) continue;
      const v = (rx * a.vx + ry * a.vy) / L;
      const cx0 = u * (CURVE - 1);
      const ci = Math.min(Math.floor(cx0), CURVE - 2);
      const cf = cx0 - ci;
      const su = g.upper[ci] + cf * (g.upper[ci + 1] - g.upper[ci]);
      const sl = g.lower[ci] + cf * (g.lower[ci + 1] - g.lower[ci]);
      const top = su - bands.above;
      const bottom = sl + bands.below;
      if (v <= top || v >= bottom) continue;
      const taper = lidTaper(u);
      const tu = su + up * taper;
      const tl = Math.max(sl + low * taper, tu);
      let qu = u;
      let qv: number;
      if (v < tu) qv = top + ((v - top) * (su - top)) / (tu - top);
      else if (v > tl) qv = bottom - ((bottom - v) * (bottom - sl)) / (bottom - tl);
      else {
        // The eyeball: the surface point seen here, turned back by the correction.
        const dx = x - cx;
        const dy = y - cy;
        const r2 = dx * dx + dy * dy;
        const dz = r2 < R * R ? -Math.sqrt(R * R - r2) : 0;
        const qx = cx + back[0] * dx + back[1] * dy + back[2] * dz;
        const qy = cy + back[3] * dx + back[4] * dy + back[5] * dz;
        const r = Math.sqrt(r2) / R;
        const f =
          (r <= FADE_IN ? 1 : r >= FADE_OUT ? 0 : (FADE_OUT - r) / (FADE_OUT - FADE_IN)) *
          Math.min(1, u / CORNER, (1 - u) / CORNER);
        const ex = x + (qx - x) * f - a.ox;
        const ey = y + (qy - y) * f - a.oy;
        qu = (ex * a.ux + ey * a.uy) / L;
        qv = (ex * a.vx + ey * a.vy) / L;
        // Where the full turn shows no iris, the frame's iris must not show either (the turn's fade toward the
        // corners would otherwise leave an iris turned into a corner where it was).
        const fu = ((qx - a.ox) * a.ux + (qy - a.oy) * a.uy) / L;
        const fv = ((qx - a.ox) * a.vx + (qy - a.oy) * a.vy) / L;
        const ir2 = irL * irL;
        const onOld = (qu - iu) * (qu - iu) + (qv - iv) * (qv - iv) < ir2;
        const onNew = (fu - iu) * (fu - iu) + (fv - iv) * (fv - iv) < ir2;
        if (onOld && !onNew) [qu, qv] = fill(qu, qv, u - tiu, iu, iv, irL, visible, g, true);
        else if (!visible(qu, qv)) [qu, qv] = fill(qu, qv, u - tiu, iu, iv, irL, visible, g, false);
      }
      const i = 2 * (py * m.width + px);
      const mx = a.ox + (qu * a.ux + qv * a.vx) * L;
      const my = a.oy + (qu * a.uy + qv * a.vy) * L;
      if (Math.abs(mx - x) > 1e-3 || Math.abs(my - y) > 1e-3) moved = true;
      m.map[i] = mx;
      m.map[i + 1] = my;
    }
  return moved;
}

function clampTravel(d: number, band: number): number {
  const max = MAX_SQUEEZE * band;
  return Math.max(-max, Math.min(max, d));
}

/**
 * A visible source point standing in for a hidden one (u, v) of the same eye (eye lengths): on the iris, the
 * same radius from its centre, mirrored across its horizontal, else swung toward it; on the sclera (or where
 * `sclera` asks for it), its reflection across the lid margin it is hidden under, else the other side's sclera
 * mirrored about the iris (`fromNew`: the target pixel's offset from the turned iris centre along the eye), else
 * the sclera beside the iris, at the same share of the opening's height.
 */
function fill(
  u: number,
  v: number,
  fromNew: number,
  iu: number,
  iv: number,
  ir: number,
  visible: (u: number, v: number) => boolean,
  g: EyeGeometry,
  sclera: boolean,
): [number, number] {
  const du = u - iu;
  const dv = v - iv;
  const rho = Math.hypot(du, dv);
  if (!sclera && rho <= ir) {
    if (visible(u, iv - dv)) return [u, iv - dv];
    for (let k = 1; k <= 6; k++) {
      const dvk = dv * (1 - k / 6);
      const duk = (du < 0 ? -1 : 1) * Math.sqrt(Math.max(0, rho * rho - dvk * dvk));
      if (visible(iu + duk, iv + dvk)) return [iu + duk, iv + dvk];
    }
    const t = at(g.upper, u);
    const b = at(g.lower, u);
    return [u, b > t ? Math.min(Math.max(v, t), b) : iv];
  }
  // The sample keeps its height within the opening (as a share of it: a pixel under a lid stays in its shadow).
  const uc = Math.min(Math.max(u, 0.03), 0.97);
  const t0 = at(g.upper, uc);
  const b0 = at(g.lower, uc);
  const rel = b0 > t0 ? Math.min(Math.max((v - t0) / (b0 - t0), 0.04), 0.96) : 0.5;
  const place = (qu: number): [number, number] => {
    const t = at(g.upper, qu);
    const b = at(g.lower, qu);
    return [qu, b > t ? t + rel * (b - t) : (t + b) / 2];
  };
  const reach = 1.1 * ir;
  // A point just past a lid margin: its reflection across that margin, the sclera right under the lid with the
  // lid's shadow on it (continuous with its neighbours; the other side's sclera, lit differently, streaked).
  const pastMargin = v < t0 || v > b0;
  if (pastMargin) {
    const m = v < t0 ? 2 * t0 - v : 2 * b0 - v;
    if (visible(u, m) && Math.hypot(u - iu, m - iv) > reach) return [u, m];
  }
  // The sclera on the iris's other side: as far from the frame's iris as the pixel is from the turned one, mirrored
  // (continuous across the pixels, and off the iris whenever the pixel is off the turned one). Not for a point
  // past a lid whose reflection falls on the iris: the sclera beside the iris, at the lid, is nearer.
  const mu = iu - fromNew;
  if (!(pastMargin && !sclera) && Math.abs(mu - iu) > reach && mu > 0.03 && mu < 0.97) {
    const m = place(mu);
    if (visible(m[0], m[1]) && Math.hypot(m[0] - iu, m[1] - iv) > reach) return m;
  }
  // Else the nearest sclera beside the iris on this row: the sample's side unless it has none left.
  let [qu, qv] = place(uc);
  const ddv = qv - iv;
  if (Math.hypot(qu - iu, ddv) < reach) {
    const half = Math.sqrt(Math.max(0, reach * reach - ddv * ddv));
    const leftRoom = iu - half - 0.03;
    const rightRoom = 0.97 - iu - half;
    const goLeft =
      qu < iu ? leftRoom > 0.05 || leftRoom > rightRoom : !(rightRoom > 0.05 || rightRoom > leftRoom);
    [qu, qv] = place(goLeft ? Math.max(iu - half, 0.03) : Math.min(iu + half, 0.97));
  }
  return [qu, qv];
}

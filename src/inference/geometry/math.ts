// Small linear algebra for the geometry stage: 3-vectors, row-major 3x3 matrices, quaternions, and a
// Jacobi eigen-solver for symmetric 4x4 matrices (Horn's quaternion method needs the top eigenvector).

export const DEG = 180 / Math.PI;
export const RAD = Math.PI / 180;

export function mat3Identity(out: Float64Array = new Float64Array(9)): Float64Array {
  out.fill(0);
  out[0] = 1;
  out[4] = 1;
  out[8] = 1;
  return out;
}

/** out = a * b (row-major). out may not alias a or b. */
export function mat3Mul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(9),
): Float64Array {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
  }
  return out;
}

/** out = a^T. out may not alias a. */
export function mat3Transpose(a: ArrayLike<number>, out: Float64Array = new Float64Array(9)): Float64Array {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[c * 3 + r] = a[r * 3 + c];
  return out;
}

export function mat3Det(a: ArrayLike<number>): number {
  return (
    a[0] * (a[4] * a[8] - a[5] * a[7]) -
    a[1] * (a[3] * a[8] - a[5] * a[6]) +
    a[2] * (a[3] * a[7] - a[4] * a[6])
  );
}

/** Unit quaternion (w, x, y, z) -> rotation matrix. */
export function quatToMat3(
  w: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array = new Float64Array(9),
): Float64Array {
  const n = Math.hypot(w, x, y, z) || 1;
  w /= n;
  x /= n;
  y /= n;
  z /= n;
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - w * z);
  out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y);
  out[7] = 2 * (y * z + w * x);
  out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

/** Rotation about the x, y, z axes (radians), composed as Rz(roll) * Ry(yaw) * Rx(pitch) acting on columns. */
export function eulerToMat3(
  pitch: number,
  yaw: number,
  roll: number,
  out: Float64Array = new Float64Array(9),
): Float64Array {
  const cx = Math.cos(pitch);
  const sx = Math.sin(pitch);
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  const cz = Math.cos(roll);
  const sz = Math.sin(roll);
  // Rz * Ry * Rx
  out[0] = cz * cy;
  out[1] = cz * sy * sx - sz * cx;
  out[2] = cz * sy * cx + sz * sx;
  out[3] = sz * cy;
  out[4] = sz * sy * sx + cz * cx;
  out[5] = sz * sy * cx - cz * sx;
  out[6] = -sy;
  out[7] = cy * sx;
  out[8] = cy * cx;
  return out;
}

/** Inverse of eulerToMat3: angles (radians) with R = Rz(roll) Ry(yaw) Rx(pitch); yaw in [-90, 90] deg. */
export function mat3ToEuler(r: ArrayLike<number>): { pitch: number; yaw: number; roll: number } {
  const sy = Math.max(-1, Math.min(1, -r[6]));
  const yaw = Math.asin(sy);
  if (Math.abs(sy) < 1 - 1e-12) {
    return { pitch: Math.atan2(r[7], r[8]), yaw, roll: Math.atan2(r[3], r[0]) };
  }
  // Gimbal lock: roll and pitch share an axis; put it all in pitch.
  return { pitch: Math.atan2(-r[5], r[4]), yaw, roll: 0 };
}

/**
 * Eigen-decomposition of a symmetric 4x4 matrix (row-major, 16 values) by cyclic Jacobi rotations.
 * Writes the eigenvector of the largest eigenvalue into vec (4) and returns that eigenvalue.
 * `a` is used as scratch (destroyed); `v` is a 16-value scratch for the eigenvectors.
 */
export function symEig4Max(a: Float64Array, v: Float64Array, vec: Float64Array): number {
  v.fill(0);
  v[0] = v[5] = v[10] = v[15] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 3; p++) for (let q = p + 1; q < 4; q++) off += a[p * 4 + q] * a[p * 4 + q];
    if (off < 1e-30) break;
    for (let p = 0; p < 3; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = a[p * 4 + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * 4 + p];
        const aqq = a[q * 4 + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const akp = a[k * 4 + p];
          const akq = a[k * 4 + q];
          a[k * 4 + p] = c * akp - s * akq;
          a[k * 4 + q] = s * akp + c * akq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = a[p * 4 + k];
          const aqk = a[q * 4 + k];
          a[p * 4 + k] = c * apk - s * aqk;
          a[q * 4 + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k * 4 + p];
          const vkq = v[k * 4 + q];
          v[k * 4 + p] = c * vkp - s * vkq;
          v[k * 4 + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (a[i * 5] > a[best * 5]) best = i;
  for (let k = 0; k < 4; k++) vec[k] = v[k * 4 + best];
  return a[best * 5];
}

/** Angle in degrees between two 3-vectors (need not be unit). */
export function angleBetween(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const cx = a[1] * b[2] - a[2] * b[1];
  const cy = a[2] * b[0] - a[0] * b[2];
  const cz = a[0] * b[1] - a[1] * b[0];
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  return Math.atan2(Math.hypot(cx, cy, cz), dot) * DEG;
}

export function normalize3(v: Float64Array): Float64Array {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (n > 0) {
    v[0] /= n;
    v[1] /= n;
    v[2] /= n;
  }
  return v;
}

/** Spherical interpolation between unit vectors a and b by t in [0, 1]; out may alias a. */
export function slerp3(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  t: number,
  out: Float64Array,
): Float64Array {
  const dot = Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]));
  const omega = Math.acos(dot);
  let wa: number;
  let wb: number;
  if (omega < 1e-6) {
    wa = 1 - t;
    wb = t;
  } else {
    const so = Math.sin(omega);
    wa = Math.sin((1 - t) * omega) / so;
    wb = Math.sin(t * omega) / so;
  }
  const x = wa * a[0] + wb * b[0];
  const y = wa * a[1] + wb * b[1];
  const z = wa * a[2] + wb * b[2];
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return normalize3(out);
}

/** Pearson correlation over the common length of two series; NaN when it is undefined (n < 3, a flat series). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n < 3) return Number.NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

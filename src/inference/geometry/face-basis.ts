// A single photo's expression told apart from its identity, so that re-enactment starts from the photo's neutral
// face: a photo that smiles or talks would otherwise keep its expression under the driver's (a mouth opened by
// the photo and again by the driver). The photo's canonical face is fitted as mean + I a + E b + residual, with
// I and E the identity and expression components learnt from the data set's training persons
// (models/face-basis.json, training/face-basis/), by the most probable a and b under their spreads; its neutral is
// the photo less E b (identity, residual and all else kept).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../util/logger.ts';
import { PROJECT_ROOT } from '../../util/paths.ts';

const log = createLogger('inference:face-basis');

export const FACE_BASIS_PATH = join(PROJECT_ROOT, 'models', 'face-basis.json');

/**
 * How much more an unseen face strays from the identity components than the training faces do (the file's
 * sigma2 is their in-sample residual), as a variance factor. Smaller lets the expression components take what is
 * identity: on 10 validation clips' self-reenactment (open-mouthed first frames), face SSIM 0.703 / 0.725 at
 * 10 / 30, 0.736 / 0.738 / 0.738 at 100 / 300 / 1000.
 */
const UNSEEN_NOISE = 300;

interface BasisFile {
  version: 1;
  points: number;
  mean: number[];
  identity: { basis: number[][]; sd: number[] };
  expression: { basis: number[][]; sd: number[] };
  sigma2: number;
}

export class FaceBasis {
  readonly #mean: Float64Array;
  /** Identity components first, then expression: one row per component. */
  readonly #rows: Float64Array[];
  readonly #identity: number;
  /** (B^T B / sigma2 + diag(1 / sd^2)), the normal equations' matrix, row-major. */
  readonly #normal: Float64Array;
  readonly #sigma2: number;

  constructor(file: BasisFile) {
    const n = file.points * 3;
    if (file.version !== 1 || file.mean.length !== n) throw new Error('face basis: unexpected layout');
    this.#mean = Float64Array.from(file.mean);
    this.#rows = [...file.identity.basis, ...file.expression.basis].map((r) => Float64Array.from(r));
    this.#identity = file.identity.basis.length;
    this.#sigma2 = file.sigma2 * UNSEEN_NOISE;
    const sd = [...file.identity.sd, ...file.expression.sd];
    const k = this.#rows.length;
    this.#normal = new Float64Array(k * k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j <= i; j++) {
        let d = 0;
        const a = this.#rows[i];
        const b = this.#rows[j];
        for (let c = 0; c < n; c++) d += a[c] * b[c];
        d /= this.#sigma2;
        if (i === j) d += 1 / (sd[i] * sd[i]);
        this.#normal[i * k + j] = d;
        this.#normal[j * k + i] = d;
      }
  }

  /** The expression coefficients b of a canonical face (478 x 3). */
  expressionOf(face: ArrayLike<number>): Float64Array {
    const k = this.#rows.length;
    const rhs = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const r = this.#rows[i];
      let d = 0;
      for (let c = 0; c < r.length; c++) d += r[c] * (face[c] - this.#mean[c]);
      rhs[i] = d / this.#sigma2;
    }
    return solve(Float64Array.from(this.#normal), rhs, k).subarray(this.#identity);
  }

  /** The neutral face of a canonical face: the face less its fitted expression. */
  neutralOf(face: ArrayLike<number>, out = new Float32Array(face.length)): Float32Array {
    const b = this.expressionOf(face);
    for (let c = 0; c < out.length; c++) {
      let e = 0;
      for (let j = 0; j < b.length; j++) e += b[j] * this.#rows[this.#identity + j][c];
      out[c] = face[c] - e;
    }
    return out;
  }
}

/** Gaussian elimination with partial pivoting (k x k, small): solves a x = b in place, returns x. */
function solve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  for (let col = 0; col < k; col++) {
    let p = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r * k + col]) > Math.abs(a[p * k + col])) p = r;
    if (p !== col) {
      for (let c = 0; c < k; c++) [a[col * k + c], a[p * k + c]] = [a[p * k + c], a[col * k + c]];
      [b[col], b[p]] = [b[p], b[col]];
    }
    const d = a[col * k + col];
    for (let r = col + 1; r < k; r++) {
      const f = a[r * k + col] / d;
      if (f === 0) continue;
      for (let c = col; c < k; c++) a[r * k + c] -= f * a[col * k + c];
      b[r] -= f * b[col];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < k; c++) s -= a[r * k + c] * b[c];
    b[r] = s / a[r * k + r];
  }
  return b;
}

let cached: FaceBasis | null | undefined;

/** The committed basis (loaded once), or null where the file is absent: photos are then taken as neutral. */
export function faceBasis(): FaceBasis | null {
  if (cached !== undefined) return cached;
  cached = existsSync(FACE_BASIS_PATH)
    ? new FaceBasis(JSON.parse(readFileSync(FACE_BASIS_PATH, 'utf8')) as BasisFile)
    : null;
  if (!cached) log.warn(`no face basis at ${FACE_BASIS_PATH}: identity photos are taken as neutral faces`);
  return cached;
}

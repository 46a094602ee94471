// How far a converted model's output is from the TF.js reference, relative to the reference's spread.
export interface Diff {
  maxAbs: number;
  /** max - min of the reference, or its largest magnitude when that is larger: an output whose few values
   * happen to be nearly equal (a face flag over a batch of two) has no meaningful spread. */
  range: number;
  /** maxAbs / range: the figure the parity bound (1e-3) applies to. */
  rel: number;
}

/** `minRange`: the output's natural range where known (1 for a probability), so a sigmoid saturated near 0 on
 * every sample is judged against [0, 1] rather than against its own tiny spread. */
export function diff(actual: ArrayLike<number>, expected: ArrayLike<number>, minRange = 0): Diff {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxAbs = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const d = Math.abs(actual[i]! - e);
    if (!(d <= maxAbs)) maxAbs = d; // NaN propagates as a failure
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  const range = Math.max(hi - lo, Math.abs(hi), Math.abs(lo), minRange, 1e-12);
  return { maxAbs, range, rel: maxAbs / range };
}

// Small helpers the call benchmarks share: flag parsing, waiting, rounding and percentiles for JSON lines.

/** The value after `--name` in a bench's arguments, if given. */
export function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rounded for a JSON line; null (not NaN, which JSON cannot hold) when there was nothing to measure. */
export const round = (v: number, d = 1) => (Number.isFinite(v) ? Number(v.toFixed(d)) : null);

/** The p-th percentile (nearest rank, from below); NaN for no values. */
export function pct(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

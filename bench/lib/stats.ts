// Summaries of repeated measurements: the median is the figure, min–max its spread.
export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  n: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function spread(values: ReadonlyArray<number | null | undefined>): Spread {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, min: null, max: null, n: 0 };
  return { median: round(percentile(v, 50)), min: round(v[0]!), max: round(v[v.length - 1]!), n: v.length };
}

/** Four significant digits: enough for timings with ±10 % noise. */
export function round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}

/** For a list of per-repetition records, the spread of each numeric field they share. */
export function spreadOf<T extends object>(runs: readonly T[], fields: ReadonlyArray<keyof T & string>): Record<string, Spread> {
  return Object.fromEntries(fields.map((f) => [f, spread(runs.map((r) => r[f] as unknown as number | null))]));
}

/** Seconds of CPU over k items, in milliseconds per item. */
export const perK = (cpuSeconds: number | null, k: number): number | null => (cpuSeconds === null ? null : (cpuSeconds * 1000) / k);

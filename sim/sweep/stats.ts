/**
 * The mean of a sample and its 95% confidence interval, Student's t with
 * n − 1 degrees of freedom: what a sweep's report draws over seeds.
 */

// Two-sided 95% quantiles of Student's t, t(0.975; df), for df = 1..30.
const T_95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
// Beyond 30: the table's usual rows; between two rows the lower df is used, which errs on the wide side.
const T_95_LARGE: readonly (readonly [df: number, t: number])[] = [
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
];
const Z_95 = 1.96;

/**
 * t(0.975; df): the multiplier of the standard error for a two-sided 95%
 * interval. Exact to three decimals up to 30 degrees of freedom; above, the
 * nearest tabulated row at or below `df` (30, 40, 60, 120), and 1.96 for
 * infinitely many.
 *
 * @example
 * ```ts
 * tQuantile95(4); // 2.776
 * ```
 */
export function tQuantile95(df: number): number {
  if (df === Number.POSITIVE_INFINITY) return Z_95;
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= T_95.length) return T_95[df - 1]!;
  let t = T_95[T_95.length - 1]!;
  for (const [rowDf, rowT] of T_95_LARGE) if (df >= rowDf) t = rowT;
  return t;
}

/** A sample's mean and 95% confidence interval. */
export interface MeanInterval {
  /** Sample size. */
  n: number;
  mean: number;
  /** Half the interval's width; `undefined` when n = 1 (one value has no interval). */
  halfWidth: number | undefined;
}

/**
 * The mean of `values` and the half-width of its 95% confidence interval,
 * t(0.975; n − 1) · s / √n with s the sample standard deviation; no
 * interval for a single value. `undefined` for no values.
 *
 * @example
 * ```ts
 * meanInterval([1, 2, 3, 4]); // { n: 4, mean: 2.5, halfWidth: 3.182 * 1.2910 / 2 ≈ 2.054 }
 * ```
 */
export function meanInterval(values: readonly number[]): MeanInterval | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n === 1) return { n, mean, halfWidth: undefined };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  return { n, mean, halfWidth: (tQuantile95(n - 1) * Math.sqrt(variance)) / Math.sqrt(n) };
}

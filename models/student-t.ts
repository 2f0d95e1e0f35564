import { normalQuantile } from './quantiles';

/**
 * Quantiles of Student's t distribution, for small-sample tests (models/correction-gate.ts).
 * Exact for 1 and 2 degrees of freedom; from 3 on, the Cornish–Fisher expansion of the normal
 * quantile to 1/ν³ (Abramowitz & Stegun 26.7.5), within 0.3 % of the tables at the 95 % level (0.1 % from 4 on).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`t quantile: probability must be in (0, 1), got ${p}`);
  if (!(df >= 1)) throw new RangeError(`t quantile: degrees of freedom must be >= 1, got ${df}`);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

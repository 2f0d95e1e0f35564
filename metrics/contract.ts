/**
 * The MetricsSource contract (README.md, "Architecture"): a regular series with explicit gaps.
 * Implementations: CSV replay, the local pool's /metrics, Prometheus query_range.
 */

export interface MetricGap {
  /** Index of the first missing step. */
  index: number;
  length: number;
}

export interface MetricSeries {
  /** Epoch milliseconds of values[0]. */
  start: number;
  stepSeconds: number;
  /** One value per step; NaN where the step is missing (listed in `gaps`). */
  values: number[];
  gaps: MetricGap[];
}

export interface MetricsSource {
  readonly kind: string;
  range(service: string, metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries>;
}

/** Bad or unusable metrics; the message names the source, the field and the fix. */
export class MetricsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsInputError';
  }
}

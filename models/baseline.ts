import {
  FitOptions,
  FittedModel,
  Forecast,
  ForecastInputError,
  Forecaster,
  QUANTILE_LEVELS,
  QUANTILE_PROBABILITY,
  QuantileLevel,
  SerializedModel,
} from './contract';

/**
 * Seasonal-naive forecaster with empirical residual quantiles: the baseline the decision saga
 * uses until the full engine is configured. Falls back to naive when there is less than two seasons
 * of history (cold start), with intervals widened accordingly.
 */

interface SeasonalNaiveState {
  season: number;
  lastSeason: number[];
  /** Sorted absolute-signed residuals of the in-sample one-season-ahead forecasts. */
  residuals: number[];
  coldStart: boolean;
}

export function validateSeries(values: readonly number[], field = 'values'): void {
  if (values.length === 0) throw new ForecastInputError(`${field}: series is empty; provide at least 2 observations`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ForecastInputError(`${field}[${i}]: ${String(v)} is not a finite number; remove or interpolate it`);
    }
    if (v < 0) throw new ForecastInputError(`${field}[${i}]: ${v} is negative; demand must be >= 0`);
  });
}

export function empiricalQuantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

class SeasonalNaiveModel implements FittedModel {
  readonly name = 'seasonalNaive';
  constructor(private readonly state: SeasonalNaiveState) {}

  forecast(horizon: number): Forecast {
    const { season, lastSeason, residuals, coldStart } = this.state;
    const point = Array.from({ length: horizon }, (_, h) => lastSeason[h % season]);
    const quantiles = {} as Record<QuantileLevel, number[]>;
    for (const level of QUANTILE_LEVELS) {
      const q = empiricalQuantile(residuals, QUANTILE_PROBABILITY[level]);
      // Errors grow with the number of seasons ahead; sqrt scaling is the random-walk rule.
      quantiles[level] = point.map((p, h) => Math.max(0, p + q * Math.sqrt(1 + Math.floor(h / season))));
    }
    quantiles.p50 = point.slice();
    // The median is the point forecast; if the residuals are skewed enough that it crosses another
    // level, re-sort each step so P05 ≤ P50 ≤ … ≤ P99 always holds.
    for (let h = 0; h < horizon; h++) {
      const sorted = QUANTILE_LEVELS.map((l) => quantiles[l][h]).sort((a, b) => a - b);
      QUANTILE_LEVELS.forEach((l, i) => (quantiles[l][h] = sorted[i]));
    }
    return { model: this.name, horizon, point, quantiles, coldStart, notes: coldStart ? ['cold start: naive'] : [] };
  }

  serialize(): SerializedModel {
    return { model: this.name, version: 1, state: this.state };
  }

  describe(): string {
    const s = this.state;
    return s.coldStart ? `naive (cold start, ${s.residuals.length} residuals)` : `seasonal naive, season ${s.season}`;
  }
}

export const seasonalNaiveBaseline: Forecaster = {
  name: 'seasonalNaive',
  async fit(values: readonly number[], opts: FitOptions = {}): Promise<FittedModel> {
    validateSeries(values);
    const wanted = opts.seasons?.[0] ?? 1;
    const coldStart = values.length < 2 * wanted;
    const season = coldStart ? 1 : wanted;
    const residuals: number[] = [];
    for (let t = season; t < values.length; t++) residuals.push(values[t] - values[t - season]);
    if (coldStart && residuals.length < 10) {
      // Too little history to measure errors: assume +-50% of the level so the buffer is generous.
      const level = values[values.length - 1];
      residuals.push(-0.5 * level, 0.5 * level);
    }
    residuals.sort((a, b) => a - b);
    return new SeasonalNaiveModel({ season, lastSeason: values.slice(values.length - season), residuals, coldStart });
  },
  deserialize(json: SerializedModel): FittedModel {
    return new SeasonalNaiveModel(json.state as SeasonalNaiveState);
  },
};

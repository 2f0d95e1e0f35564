/**
 * User models of demand: a base rate shaped by a diurnal cycle, a weekday/weekend pattern and
 * compound growth. Time starts at step 0 = Monday 00:00.
 */
export interface UserModel {
  /** Mean demand per step at the daily average. */
  base: number;
  /** Relative amplitude of the daily cycle (0 = flat, 0.5 = ±50%). */
  diurnalAmplitude?: number;
  /** Hour of the daily peak (0–24). */
  peakHour?: number;
  /** Demand on Saturday and Sunday relative to weekdays (1 = no weekly pattern). */
  weekendFactor?: number;
  /** Compound growth per day (0.01 = +1% a day). */
  growthPerDay?: number;
}

export function userModelSeries(model: UserModel, steps: number, stepSeconds: number): number[] {
  const amp = model.diurnalAmplitude ?? 0.5;
  const peak = model.peakHour ?? 14;
  const weekend = model.weekendFactor ?? 1;
  const growth = model.growthPerDay ?? 0;
  const out = new Array<number>(steps);
  for (let t = 0; t < steps; t++) {
    const seconds = t * stepSeconds;
    const day = seconds / 86_400;
    const hour = (seconds % 86_400) / 3600;
    const weekday = Math.floor(day) % 7;
    const daily = 1 + amp * Math.cos((2 * Math.PI * (hour - peak)) / 24);
    const weekly = weekday >= 5 ? weekend : 1;
    out[t] = Math.max(0, model.base * daily * weekly * (1 + growth) ** day);
  }
  return out;
}

/** Multiplies a series by compound growth per day (for bootstrapped history). */
export function applyGrowth(series: readonly number[], growthPerDay: number, stepSeconds: number): number[] {
  return series.map((v, t) => v * (1 + growthPerDay) ** ((t * stepSeconds) / 86_400));
}

/** What the forecast step hands the plan and records: peaks of the planning window, and how they were made. */

export interface ForecastSummary {
  /** The ensemble and its members' weights, in words. */
  model: string;
  /** Each member's weight and why (recent out-of-sample error). */
  weights?: Array<{ model: string; weight: number; reason: string }>;
  metric: string;
  stepSeconds: number;
  historyPoints: number;
  lastObserved: number;
  /** Steps ahead covered: [fromStep, toStep). */
  fromStep: number;
  toStep: number;
  peakP50: number;
  peakP90: number;
  peakP99: number;
  coldStart: boolean;
  notes: string[];
  /** Forecasts of extra capacity dimensions (`dimensionMetrics`), same window. */
  dimensions?: Record<string, DimensionForecast>;
  /** Demand forecasts per region (`regionMetrics`): their P50 peaks set the allocation's regional mix. */
  regions?: Record<string, DimensionForecast>;
}

export interface DimensionForecast {
  metric: string;
  historyPoints: number;
  model: string;
  peakP50: number;
  peakP90: number;
  peakP99: number;
}

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
  /** The predictive planner's plan (decisions since the one-planner change; absent in older records). */
  planned?: PlannedDemand;
  /** The fitted model versions the forecast used. */
  models?: Array<{ model: string; version: string; source: 'champion' | 'cached' | 'fitted-now'; dataEnd?: string; weight: number }>;
  /** The learned ensemble weights version used (0 = none yet: equal weights). */
  weightsVersion?: number;
  /** That version's weights per lead bucket, which each lead was combined with (absent: `weights` for every lead). */
  weightsByLead?: Array<{ fromLead: number; toLead: number; weights: Record<string, number> }>;
  /** Missing samples in the history (NaN or outage zeros) and whether the newest one is missing. */
  dropouts?: { missingSteps: number; newestMissing: boolean };
  /** The stored prediction reweighting scores against realised demand (the decision id). */
  predictionId?: string;
  /** Behavioural fingerprints (issue 17): cluster forecasts the plan adds as cpu/memoryMiB dimensions, or why it planned on load alone. */
  fingerprints?: FingerprintSummary;
  /** `fallback`: the metrics read or forecast failed `fallback.failureThreshold` times in a row; the plan is current + step (scale out only). */
  mode?: 'fallback';
  fallback?: FallbackSummary;
}

/** Why a decision planned by the fallback rule (planning/fallback.ts), in numbers. */
export interface FallbackSummary {
  /** Failed forecasts in a row, this one included (from the audit log). */
  failures: number;
  failureThreshold: number;
  step: number;
  /** Capacity the provisioner reported, and the rule's target (never below it). */
  current: number;
  target: number;
  /** This decision's metrics or forecast error. */
  error: string;
  reason: string;
}

/** What the plan sizes the fleet for, and why (planning/predictive). */
export interface PlannedDemand {
  /** Buffer quantile of the window peak. */
  quantile: number;
  /** What to provision for: max(upper, newest observed demand). */
  demand: number;
  /** The window peak at the quantile. */
  upper: number;
  /** Which bound set `demand`: the forecast, or the newest observation (the reactive floor). */
  bound: 'forecast' | 'observed';
  /** The buffer rule: forecast residuals, or the calibrated reactive rule (recent maximum × learned headroom). */
  rule: 'forecast' | 'recent-max';
  /** The forecast's own peak over the window (the point forecast). */
  peak: number;
  /** The error scale at decision time. */
  scale: number;
  /** The one-week cap lowered the upper. */
  capped: boolean;
  /** Realised window peaks the buffer is calibrated on (below 50 it is a wide normal band). */
  calibratedOn: number;
  /** Plans replayed over the recent history before this one. */
  replayed: number;
}

export interface DimensionForecast {
  metric: string;
  historyPoints: number;
  model: string;
  peakP50: number;
  peakP90: number;
  peakP99: number;
}

/** The fingerprint dimensions of one decision (fingerprints/member-forecast.ts through the forecast activity). */
export interface FingerprintSummary {
  /** used: the plan takes cpu/memoryMiB from the clusters; fallback: load alone, `reason` says why. */
  status: 'used' | 'fallback';
  reason?: string;
  /** The champion fingerprint model version the clusters come from. */
  modelVersion?: number;
  /** What one instance offers at 100 % (cores, MiB): `fingerprints.capacity`. */
  capacity: { cpu: number; memoryMiB: number };
  horizonSteps: number;
  /** Per cluster: instances in it now and the per-instance forecast (P50 and upper band). */
  clusters?: Array<{ cluster: string; instances: number; cpu: { p50: number; upper: number }; mem: { p50: number; upper: number }; sources: string[] }>;
  /** When the newest summary ended (epoch ms). */
  newestAt?: number;
}

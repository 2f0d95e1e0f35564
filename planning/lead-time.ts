/**
 * How far ahead to plan: the configured lead time, or — when asked for and the service has enough
 * history — the median time its recent scale-outs took from the start of provisioning to verified
 * capacity (what boot + warm-up really cost, not what someone guessed).
 */
export interface LeadTime {
  seconds: number;
  source: 'configured' | 'measured';
  /** One sentence for the forecast notes. */
  note: string;
}

export const MIN_LEAD_SAMPLES = 3;

export function leadTime(configuredSeconds: number, measuredSamples: number[], useMeasured: boolean): LeadTime {
  const samples = measuredSamples.filter((s) => Number.isFinite(s) && s >= 0).slice(-10);
  if (!useMeasured) return { seconds: configuredSeconds, source: 'configured', note: `lead time ${configuredSeconds}s (configured)` };
  if (samples.length < MIN_LEAD_SAMPLES) {
    return {
      seconds: configuredSeconds,
      source: 'configured',
      note: `lead time ${configuredSeconds}s (configured; ${samples.length} measured scale-out(s), ${MIN_LEAD_SAMPLES} needed to use them)`,
    };
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const seconds = Math.ceil(median);
  return { seconds, source: 'measured', note: `lead time ${seconds}s measured (median of the last ${samples.length} scale-outs; configured ${configuredSeconds}s)` };
}

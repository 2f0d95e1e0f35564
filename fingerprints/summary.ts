import { SIGNALS, type Signal, type TelemetrySample } from './signals';
import { windowStats } from './stats';

/** What the store keeps per member per minute: mean and p95 of every signal (enough for models and the CLI). */
export interface MinuteSummary {
  member: string;
  service: string;
  from: number;
  to: number;
  samples: number;
  mean: Record<Signal, number>;
  p95: Record<Signal, number>;
  /** The member's fingerprint features for the period (fingerprints/features.ts `periodFeatures`)
   *  and the windows they used: what the fitted reducer and clusters place the member with. */
  features?: number[];
  windowsS?: number[];
}

export function summariseMinute(
  member: string,
  service: string,
  from: number,
  to: number,
  samples: readonly TelemetrySample[],
  features?: { values: number[]; windowsS: number[] },
): MinuteSummary {
  const mean = {} as Record<Signal, number>;
  const p95 = {} as Record<Signal, number>;
  for (const s of SIGNALS) {
    const st = windowStats(samples.map((x) => x[s]));
    mean[s] = st.mean;
    p95[s] = st.p95;
  }
  return { member, service, from, to, samples: samples.length, mean, p95, ...(features ? { features: features.values, windowsS: features.windowsS } : {}) };
}

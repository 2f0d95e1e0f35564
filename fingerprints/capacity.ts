import type { DemandPeaks, InstanceNeed } from '../planning/capacity-model';

/**
 * Fingerprint forecasts as capacity dimensions: each behaviour cluster's utilisation forecast per
 * instance (from its own model), times the instances in that cluster, summed into the pool's CPU
 * (cores) and memory (MiB) demand. The capacity model then divides by what one instance offers
 * and takes the binding dimension as for any other; `explainBinding` says which cluster and which
 * signal made it bind.
 */
export const FINGERPRINT_DIMENSIONS = { cpu: 'cpu', mem: 'memoryMiB' } as const;

export interface ClusterForecast {
  cluster: string;
  /** Instances of the pool in this cluster now. */
  instances: number;
  /** Per-instance forecast at the planning horizon: P50 and the upper band. */
  cpu: { p50: number; upper: number };
  mem: { p50: number; upper: number };
}

export interface FingerprintDemand {
  demand: DemandPeaks;
  /** Upper-band contribution of each cluster to each dimension. */
  contributions: Record<string, Record<string, number>>;
}

export function fingerprintDemand(clusters: readonly ClusterForecast[]): FingerprintDemand {
  if (clusters.length === 0) throw new RangeError('fingerprint demand: no cluster forecasts; run the fingerprint fit first (kinetic fingerprints clusters)');
  const p50: Record<string, number> = { cpu: 0, memoryMiB: 0 };
  const upper: Record<string, number> = { cpu: 0, memoryMiB: 0 };
  const contributions: Record<string, Record<string, number>> = { cpu: {}, memoryMiB: {} };
  for (const c of clusters) {
    if (!(Number.isInteger(c.instances) && c.instances >= 0)) throw new RangeError(`cluster ${c.cluster}: instances must be a whole number >= 0, got ${c.instances}`);
    for (const [signal, dim] of [['cpu', 'cpu'], ['mem', 'memoryMiB']] as const) {
      const f = c[signal];
      if (!(f.p50 >= 0 && f.upper >= f.p50)) throw new RangeError(`cluster ${c.cluster}: ${signal} forecast needs 0 <= p50 <= upper, got p50 ${f.p50}, upper ${f.upper}`);
      p50[dim] += c.instances * f.p50;
      upper[dim] += c.instances * f.upper;
      contributions[dim][c.cluster] = c.instances * f.upper;
    }
  }
  return { demand: { p50, upper }, contributions };
}

/** "cpu binds (fingerprints): cluster c2 supplies 63% of the P90 demand (2 instances)" — or nothing when another dimension binds. */
export function explainBinding(need: InstanceNeed, fp: FingerprintDemand, clusters: readonly ClusterForecast[]): string | undefined {
  const parts = fp.contributions[need.bindingDimension];
  if (!parts) return undefined;
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const [top, amount] = Object.entries(parts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  const n = clusters.find((c) => c.cluster === top)?.instances ?? 0;
  const share = total > 0 ? Math.round((amount / total) * 100) : 0;
  return `${need.bindingDimension} binds (fingerprints): cluster ${top} supplies ${share}% of the upper demand (${n} instance${n === 1 ? '' : 's'})`;
}

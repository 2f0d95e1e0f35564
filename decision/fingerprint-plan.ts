import { explainBinding, fingerprintDemand } from '../fingerprints/capacity';
import { DEFAULT_BUFFER, instancesNeededFor } from '../planning/capacity-model';
import type { FingerprintSummary } from './forecast';

/**
 * The fingerprint dimensions of a single-pool plan (pure): cluster forecasts → cpu and memoryMiB
 * demand → instances by the multi-dimension capacity model (buffer 10–20 % above P50, as tiered
 * planning's default), with the sentence naming the cluster and the signal that bound.
 */
export interface FingerprintNeed {
  needed: number;
  /** cpu or memoryMiB. */
  bindingDimension: string;
  explanation: string;
}

export function fingerprintNeed(f: FingerprintSummary | undefined, targetUtilization: number): FingerprintNeed | undefined {
  if (f?.status !== 'used' || !f.clusters?.length) return undefined;
  const demand = fingerprintDemand(f.clusters);
  const need = instancesNeededFor(demand.demand, { name: 'fingerprints', capacity: { cpu: f.capacity.cpu, memoryMiB: f.capacity.memoryMiB } }, { targetUtilization, buffer: DEFAULT_BUFFER, upperLabel: 'upper' });
  return { needed: need.needed, bindingDimension: need.bindingDimension, explanation: `${explainBinding(need, demand, f.clusters)}; ${need.explanation}` };
}

import { ceilExact } from './input-checks';

/**
 * Instances needed for a forecast: ceil(peak upper-quantile demand over the planning window /
 * (capacity per instance × target utilisation)), clamped to the service's bounds.
 */

export interface CapacityRequest {
  /** Upper-quantile (P90) demand peak over [now + lead, now + lead + interval]. */
  peakDemand: number;
  capacityPerInstance: number;
  targetUtilization: number;
  minInstances: number;
  maxInstances: number;
}

export interface CapacityNeed {
  /** Instances the demand needs before clamping. */
  needed: number;
  /** Instances after clamping to [min, max]. */
  target: number;
  /** Why the target differs from the need, if it does. */
  clampedBy?: 'min' | 'max';
}

export function instancesNeeded(req: CapacityRequest): CapacityNeed {
  const { peakDemand, capacityPerInstance, targetUtilization, minInstances, maxInstances } = req;
  if (!Number.isFinite(peakDemand) || peakDemand < 0) {
    throw new RangeError(`peakDemand must be a finite number >= 0, got ${peakDemand}`);
  }
  const perInstance = capacityPerInstance * targetUtilization;
  // Exact multiples (e.g. 100 / 50) must not round up through float noise.
  const needed = ceilExact(peakDemand / perInstance);
  if (needed < minInstances) return { needed, target: minInstances, clampedBy: 'min' };
  if (needed > maxInstances) return { needed, target: maxInstances, clampedBy: 'max' };
  return { needed, target: needed };
}

/** The window of forecast steps the plan must cover: [lead, lead + interval), at least one step. */
export function planningWindow(leadSeconds: number, intervalSeconds: number, stepSeconds: number) {
  const from = Math.floor(leadSeconds / stepSeconds);
  const to = Math.max(from + 1, Math.ceil((leadSeconds + intervalSeconds) / stepSeconds));
  return { fromStep: from, toStep: to, horizon: to };
}

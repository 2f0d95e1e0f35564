/**
 * Hysteresis against flapping. Only scale-in is damped: a planned scale-up always executes (unlike
 * the HPA's 10% tolerance), because an under-provisioned fleet costs SLA while a slightly
 * over-provisioned one costs only money until the next decision.
 */
import { ceilExact, requireCount, requireFraction } from './input-checks';

export interface HysteresisPolicy {
  /** Ignore a scale-in smaller than this fraction of current … */
  scaleInBand: number;
  /** … and smaller than this many instances. */
  minScaleIn: number;
}

export interface HysteresisResult { target: number; held: boolean; reason: string }

export function applyHysteresis(current: number, planned: number, h: HysteresisPolicy): HysteresisResult {
  requireCount(current, 'current');
  requireCount(planned, 'planned');
  requireFraction(h.scaleInBand, 'hysteresis.scaleInBand', { allowOne: false });
  requireCount(h.minScaleIn, 'hysteresis.minScaleIn');
  if (planned > current) return { target: planned, held: false, reason: `scale-up ${current} → ${planned} always executes` };
  if (planned === current) return { target: current, held: false, reason: `no change (${current})` };
  const drop = current - planned;
  const threshold = Math.max(h.minScaleIn, ceilExact(h.scaleInBand * current));
  if (drop < threshold) {
    return {
      target: current,
      held: true,
      reason: `scale-in ${current} → ${planned} held: ${drop} fewer is below the band of ${threshold} (max(${h.minScaleIn}, ceil(${h.scaleInBand} × ${current})))`,
    };
  }
  return { target: planned, held: false, reason: `scale-in ${current} → ${planned}: ${drop} fewer is at least the band of ${threshold}` };
}

/**
 * Staged ("gray") scale-in: one stage of a large scale-in, spread over the tiers in proportion to
 * how far each tier has to move, so a stage looks like a scaled-down copy of the whole change.
 */

/** A fleet split by tier; the tier id is the pool id, e.g. "cpu/us-east-1/spot". */
export interface TierCounts {
  total: number;
  tiers: Record<string, number>;
}

export interface StagedScaleInRule {
  /** Percent (0–100] of the current fleet one stage may remove. */
  stepPercent: number;
  /** A stage removes at least this many instances. */
  minStep: number;
  /** Seconds to observe the fleet after a stage before the next one. */
  observationSeconds: number;
}

/** Instances one stage may remove from a fleet of `current`: max(minStep, ceil(stepPercent% × current)). */
export function stageSize(rule: StagedScaleInRule, current: number): number {
  // The epsilon keeps exact products (20% of 10) from rounding up through float noise.
  return Math.max(rule.minStep, Math.ceil((rule.stepPercent / 100) * current - 1e-9));
}

function tierSum(c: TierCounts): number {
  return Object.values(c.tiers).reduce((s, v) => s + v, 0);
}

/** Throws unless the tier counts are non-negative integers that add up to the total. */
export function validateTierCounts(name: string, c: TierCounts): void {
  if (!c || !Number.isInteger(c.total) || c.total < 0) {
    throw new RangeError(`${name}.total must be an integer >= 0, got ${c?.total}`);
  }
  for (const [tier, v] of Object.entries(c.tiers ?? {})) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name}.tiers["${tier}"] must be an integer >= 0, got ${v}`);
  }
  const entries = Object.keys(c.tiers ?? {}).length;
  if (entries > 0 && tierSum(c) !== c.total) {
    throw new RangeError(`${name}.tiers add up to ${tierSum(c)} but ${name}.total is ${c.total}; give every tier or none`);
  }
}

/**
 * Moves each tier from `from` toward `to` so the total is exactly `stageTotal`. Every tier goes the
 * same fraction of its own way (largest remainder for the integer rounding, ties by tier id), and
 * none goes past its target. Works for rebalancing changes too (some tiers grow while others shrink).
 */
export function stageTiers(from: TierCounts, to: TierCounts, stageTotal: number): TierCounts {
  validateTierCounts('from', from);
  validateTierCounts('to', to);
  const lo = Math.min(from.total, to.total);
  const hi = Math.max(from.total, to.total);
  if (!Number.isInteger(stageTotal) || stageTotal < lo || stageTotal > hi) {
    throw new RangeError(`stageTotal must be an integer between ${lo} and ${hi} (from ${from.total} to ${to.total}), got ${stageTotal}`);
  }
  const ids = [...new Set([...Object.keys(from.tiers), ...Object.keys(to.tiers)])].sort();
  if (ids.length === 0) return { total: stageTotal, tiers: {} };
  if (Object.keys(from.tiers).length === 0 || Object.keys(to.tiers).length === 0) {
    throw new RangeError('from and to must both give their tiers, or neither');
  }
  if (stageTotal === to.total) return { total: to.total, tiers: { ...to.tiers } };
  if (stageTotal === from.total) return { total: from.total, tiers: { ...from.tiers } };

  // from.total !== to.total here, so the fraction is well defined and in (0, 1).
  const fraction = (from.total - stageTotal) / (from.total - to.total);
  const moves = ids.map((id) => {
    const a = from.tiers[id] ?? 0;
    const b = to.tiers[id] ?? 0;
    const exact = fraction * Math.abs(b - a);
    const whole = Math.floor(exact + 1e-9);
    return { id, a, sign: Math.sign(b - a), whole, remainder: exact - whole };
  });
  const stage: Record<string, number> = {};
  for (const m of moves) stage[m.id] = m.a + m.sign * m.whole;
  // Rounding every move down leaves the total off by a few units: advance the tiers with the
  // largest remainders in the direction that closes the gap (shrinking tiers if it is too high).
  let gap = stageTotal - Object.values(stage).reduce((s, v) => s + v, 0);
  const direction = Math.sign(gap);
  const candidates = moves
    .filter((m) => m.sign === direction && m.remainder > 1e-9)
    .sort((x, y) => y.remainder - x.remainder || (x.id < y.id ? -1 : 1));
  for (const m of candidates) {
    if (gap === 0) break;
    stage[m.id] += direction;
    gap -= direction;
  }
  if (gap !== 0) throw new Error(`internal: could not spread a stage of ${stageTotal} over the tiers (gap ${gap})`);
  return { total: stageTotal, tiers: stage };
}

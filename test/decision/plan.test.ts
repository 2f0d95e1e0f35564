import { describe, expect, it } from 'vitest';
import { direction, hourlyCost, planCapacity, plannedDemand, toCapacityPlan } from '../../decision/plan';
import type { TieredSpec } from '../../planning/tiered-plan';
import { forecastOf, singlePoolContext } from './context';

describe('the single-pool plan', () => {
  it('sizes the fleet for the P90 peak: ceil(55 / (10 × 1)) = 6, priced at 0.10/h each', () => {
    const plan = planCapacity(singlePoolContext(), forecastOf({ p50: 40, p90: 55, p99: 70 }));
    expect(plan).toMatchObject({ from: 4, to: 6, needed: 6, direction: 'out', tiers: { default: { from: 4, to: 6 } }, clampedBy: undefined });
    expect(plan.hourlyCostBefore).toBeCloseTo(0.4, 9);
    expect(plan.hourlyCostAfter).toBeCloseTo(0.6, 9);
    expect(plan.reason).toBe('P90 peak 55.00 requests_per_second / (10 × 1) = 5.50 → 6 instances');
  });

  it('takes its demand from one place, plannedDemand: the P90 peak', () => {
    expect(plannedDemand(forecastOf({ p50: 40, p90: 55, p99: 70 }))).toEqual({ demand: 55, basis: 'P90 peak' });
  });

  it('clamps to the bounds and says so', () => {
    const plan = planCapacity(singlePoolContext(), forecastOf({ p50: 400, p90: 500, p99: 600 }));
    expect(plan).toMatchObject({ to: 20, needed: 50, clampedBy: 'max' });
    expect(plan.reason).toMatch(/→ 50 instances, clamped to the max of 20$/);
  });

  it('plans exactly what an operator asks for, without a clamp note', () => {
    const plan = planCapacity(singlePoolContext(), forecastOf({ p50: 40, p90: 55, p99: 70 }), 9);
    expect(plan).toMatchObject({ to: 9, needed: 6, clampedBy: undefined });
    expect(plan.reason).toBe('operator asked for 9 instances (forecast alone would give 6)');
  });

  it('scales in to zero on every tier but the first', () => {
    const c = singlePoolContext({ current: { service: 'web', tiers: { default: 3, old: 1 }, total: 4 } });
    expect(planCapacity(c, forecastOf({ p50: 10, p90: 15, p99: 20 })).tiers).toEqual({ default: { from: 3, to: 2 }, old: { from: 1, to: 0 } });
  });
});

describe('direction, cost and the provisioner view', () => {
  it('direction follows the totals', () => {
    expect([direction(4, 6), direction(6, 4), direction(4, 4)]).toEqual(['out', 'in', 'none']);
  });

  it('prices the planned side of the tiers: the single price untiered, pool prices tiered', () => {
    const tiers = { a: { from: 9, to: 2 }, b: { from: 0, to: 3 } };
    expect(hourlyCost(singlePoolContext(), tiers)).toBeCloseTo(0.5, 9);
    expect(hourlyCost(singlePoolContext({ tiered: spec }), { 'cpu/us-east-1/spot': { from: 0, to: 2 }, 'cpu/eu-west-1/on-demand': { from: 5, to: 1 } })).toBeCloseTo(0.31, 9);
  });

  it('hands the provisioner the planned replicas per tier and the template version', () => {
    const plan = { ...planCapacity(singlePoolContext(), forecastOf({ p50: 40, p90: 55, p99: 70 })), templateVersion: 3 };
    expect(toCapacityPlan('d-1', 'web', plan)).toEqual({ decisionId: 'd-1', service: 'web', tiers: { default: 6 }, total: 6, templateVersion: 3 });
  });
});

const types = ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'];
const pool = (region: string, pricing: 'committed' | 'spot' | 'on-demand', max: number, hourlyPrice: number) => ({
  id: `cpu/${region}/${pricing}`, computeType: 'cpu', region, pricing, instanceTypes: types, min: 0, max, hourlyPrice, interruptionRate: pricing === 'spot' ? 0.01 : 0,
});
const spec: TieredSpec = {
  dimension: 'requestsPerSecond',
  targetUtilization: 1,
  minInstances: 1,
  maxInstances: 20,
  bufferQuantile: 'p90',
  buffer: { floor: 0.1, cap: 0.2 },
  hysteresis: { scaleInBand: 0.05, minScaleIn: 1 },
  computeTypes: { cpu: { capacity: { requestsPerSecond: 10 }, instanceTypes: types } },
  pools: [pool('us-east-1', 'committed', 2, 0.1), pool('us-east-1', 'spot', 10, 0.05), pool('us-east-1', 'on-demand', 10, 0.17), pool('eu-west-1', 'on-demand', 10, 0.21)],
  maxSpotShare: 0.5,
  minSpotInstanceTypes: 2,
  regions: { 'us-east-1': { share: 0.75, min: 1 }, 'eu-west-1': { share: 0.25, min: 1 } },
};
const tiered = singlePoolContext({ tiered: spec, current: { service: 'web', tiers: { 'cpu/us-east-1/committed': 2 }, total: 2 } });

describe('the tiered plan', () => {
  it('needs ceil(80 × 1.10 / 10) = 9 instances and prices the allocation the way hourlyCost does', () => {
    const plan = planCapacity(tiered, forecastOf({ p50: 80, p90: 80, p99: 80 }));
    expect(plan).toMatchObject({ from: 2, to: 9, needed: 9, direction: 'out' });
    expect(plan.allocation?.status).not.toBe('FAILURE');
    expect(Object.values(plan.tiers).reduce((a, t) => a + t.to, 0)).toBe(9);
    expect(plan.allocation!.pools.reduce((a, p) => a + p.count, 0)).toBe(9);
    expect(plan.hourlyCostBefore).toBeCloseTo(0.2, 9);
    expect(plan.hourlyCostAfter).toBeCloseTo(hourlyCost(tiered, plan.tiers), 9);
    expect(plan.needs?.[0]).toMatchObject({ computeType: 'cpu', needed: 9 });
  });

  it('lets regional forecasts set the regional mix', () => {
    const inRegion = (tiers: Record<string, { to: number }>, r: string) => Object.entries(tiers).filter(([k]) => k.includes(`/${r}/`)).reduce((a, [, t]) => a + t.to, 0);
    const configured = planCapacity(tiered, forecastOf({ p50: 80, p90: 80, p99: 80 }));
    const regions = { 'us-east-1': { metric: 'rps', historyPoints: 30, model: 'test', peakP50: 20, peakP90: 20, peakP99: 20 }, 'eu-west-1': { metric: 'rps', historyPoints: 30, model: 'test', peakP50: 60, peakP90: 60, peakP99: 60 } };
    const predicted = planCapacity(tiered, forecastOf({ p50: 80, p90: 80, p99: 80 }, { regions }));
    expect(inRegion(configured.tiers, 'eu-west-1')).toBeLessThan(inRegion(configured.tiers, 'us-east-1'));
    expect(inRegion(predicted.tiers, 'eu-west-1')).toBeGreaterThan(inRegion(predicted.tiers, 'us-east-1'));
  });
});

describe('the template (vertical scaling)', () => {
  const templates = [
    { version: 1, computeType: 'cpu', instanceTypes: ['c5.xlarge'] },
    { version: 2, computeType: 'cpu', instanceTypes: ['c6i.xlarge'] },
  ];
  it('a new active template is a rolling replacement with the old one as rollback', () => {
    const plan = planCapacity(singlePoolContext({ template: { templates, active: 2, applied: 1 } }), forecastOf({ p50: 40, p90: 55, p99: 70 }));
    expect(plan.templateVersion).toBe(2);
    expect(plan.vertical).toMatchObject({ fromVersion: 1, toVersion: 2, rollbackVersion: 1, instanceTypes: ['c6i.xlarge'] });
    expect(plan.vertical!.summary).toMatch(/^template v1 → v2 \(c6i\.xlarge\): /);
  });
  it('the template already applied is only named', () => {
    const plan = planCapacity(singlePoolContext({ template: { templates, active: 2, applied: 2 } }), forecastOf({ p50: 40, p90: 55, p99: 70 }));
    expect(plan.templateVersion).toBe(2);
    expect(plan.vertical).toBeUndefined();
  });
});

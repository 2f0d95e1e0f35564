import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyConfig, tieredSpec } from '../../activities/planning-spec';
import { getService, loadConfig } from '../../config/load';
import { evaluatePolicies } from '../../planning/policy-engine';
import { bundledCatalog, poolHourlyPrice, spotInterruptionPerHour } from '../../planning/price-catalog';
import { planTiered } from '../../planning/tiered-plan';
import { awsSpecFor } from '../../provisioners/pulumi-aws/spec';
import { awsSpecProblems } from '../../pulumi/aws/spec';

/** The committed tiered example (3 regions × 3 compute types × 3 pricing models) plans end to end. */
const cfg = loadConfig(join(__dirname, '..', '..', 'examples', 'tiered', 'kinetic.yaml'));
const svc = getService(cfg, 'storefront');
const spec = tieredSpec(cfg, 'storefront', svc)!;

describe('examples/tiered/kinetic.yaml', () => {
  it('prices every pool from the bundled catalog', () => {
    expect(spec.pools).toHaveLength(27);
    const spot = spec.pools.find((p) => p.id === 'cpu-optimised/us-east-1/spot')!;
    expect(spot.hourlyPrice).toBe(poolHourlyPrice(bundledCatalog(), 'us-east-1', ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'], 'spot'));
    for (const p of spec.pools) expect(p.hourlyPrice).toBeGreaterThan(0);
    // Spot pools take their interruption rate from the catalog's Spot Advisor bucket (monthly → hourly).
    expect(spot.interruptionRate).toBeCloseTo(spotInterruptionPerHour(bundledCatalog(), 'us-east-1', ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'])!, 12);
    expect(spot.interruptionRate).toBeLessThan(0.001);
    expect(spec.pools.find((p) => p.id === 'general/us-east-1/on-demand')!.interruptionRate).toBe(0);
  });

  it('plans a scale-out across regions and pricing models inside every limit', () => {
    const current = Object.fromEntries(spec.pools.map((p) => [p.id, p.min]));
    const plan = planTiered(spec, { p50: 150, p90: 170, p99: 210 }, current);
    expect(plan.allocation.status).toBe('PENDING');
    // 150 req/s at 70% of 6 req/s per cpu-optimised instance: 35.7, +13% buffer from P90 → 41.
    const cpu = plan.needs.find((n) => n.computeType === 'cpu-optimised')!;
    expect(cpu.bufferPct).toBeCloseTo(Math.min(0.2, Math.max(0.1, 20 / 150)), 6);
    expect(cpu.needed).toBe(Math.ceil((170 / 6 / 0.7) - 1e-9));
    expect(plan.to).toBe(plan.allocation.total);
    const spotTotal = plan.allocation.allocations.filter((a) => a.pricing === 'spot').reduce((a, x) => a + x.count, 0);
    expect(spotTotal).toBeLessThanOrEqual(Math.floor(0.4 * plan.to));
    for (const a of plan.allocation.allocations) {
      const pool = spec.pools.find((p) => p.id === a.poolId)!;
      expect(a.count).toBeGreaterThanOrEqual(pool.min);
      expect(a.count).toBeLessThanOrEqual(pool.max);
    }
    for (const [region, r] of Object.entries(spec.regions)) {
      const inRegion = plan.allocation.allocations.filter((a) => a.region === region).reduce((a, x) => a + x.count, 0);
      expect(inRegion).toBeGreaterThanOrEqual(r.min);
    }
    // The policy engine accepts the example's rules and routes a large change to a person.
    const verdict = evaluatePolicies(policyConfig(svc), {
      now: Date.parse('2026-11-24T12:00:00Z'),
      current: { total: plan.from, tiers: current },
      planned: { total: plan.to, tiers: Object.fromEntries(Object.entries(plan.tiers).map(([k, t]) => [k, t.to])) },
      hourlyCostBefore: plan.hourlyCostBefore,
      hourlyCostAfter: plan.hourlyCostAfter,
      spotShare: plan.allocation.spotShare,
      recentRecommendations: [],
    });
    expect(verdict.approval.required).toBe(true);
    expect(verdict.approval.reasons.map((r) => r.id)).toContain('approval:change-percent');
  });

  it('gives the AWS program a valid spec: instance types from the active template, bounds from the pools, cost tags', () => {
    if (svc.provisioner.type !== 'pulumi-aws') throw new Error('the example uses pulumi-aws');
    const aws = awsSpecFor('storefront', svc, svc.provisioner);
    expect(awsSpecProblems(aws)).toEqual([]);
    expect(aws.computeTypes['cpu-optimised']).toMatchObject({ instanceTypes: ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'], templateVersion: 1, maxSize: 204 });
    expect(aws.tags).toEqual({ project: 'storefront', 'cost-center': 'cc-4411' });
  });
});

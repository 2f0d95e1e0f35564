/**
 * kinetic.yaml → the plain inputs of the tiered planner, the policy engine and the budget tree.
 * Prices a pool does not state come from the price catalog (bundled, or `pricing.catalog`).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type LoadedConfig } from '../config/load';
import type { ServiceConfig } from '../config/schema';
import { capacityModelSchema } from '../config/schema-planning';
import { tierId } from '../planning/allocation';
import { BudgetTree, buildBudgetTree } from '../planning/budget-hierarchy';
import type { PolicyConfig } from '../planning/policy-engine';
import { bundledCatalog, loadCatalog, PriceCatalog, poolHourlyPrice, spotInterruptionPerHour } from '../planning/price-catalog';
import type { TieredSpec } from '../planning/tiered-plan';

/** Chance per hour a spot instance is reclaimed when neither the pool nor the catalog says (10% a month). */
const DEFAULT_SPOT_INTERRUPTION = 0.1 / 730.5;

const catalogs = new Map<string, PriceCatalog>();

/** The bundled catalog, or the file `pricing.catalog` names (read once per path). */
export function priceCatalog(cfg: LoadedConfig): PriceCatalog {
  if (!cfg.pricing?.catalog) return bundledCatalog();
  const file = resolve(dirname(cfg.file), cfg.pricing.catalog);
  let c = catalogs.get(file);
  if (!c) {
    try {
      c = loadCatalog(JSON.parse(readFileSync(file, 'utf8')), file);
    } catch (e) {
      // Bad configuration, not a passing fault: ConfigError is not retried.
      throw new ConfigError(`pricing.catalog: cannot use ${file}: ${(e as Error).message}; fix the file (kinetic prices show --catalog FILE checks it) or remove pricing.catalog to use the bundled catalog`);
    }
    catalogs.set(file, c);
  }
  return c;
}

/** The planner's view of a tiered service (undefined for a single-pool service). */
export function tieredSpec(cfg: LoadedConfig, service: string, svc: ServiceConfig): TieredSpec | undefined {
  if (!svc.pools || !svc.computeTypes) return undefined;
  const capacity = svc.capacity ?? capacityModelSchema.parse({});
  const types = svc.computeTypes;
  const pools = svc.pools.map((p, i) => {
    const instanceTypes = p.instanceTypes ?? types[p.computeType].instanceTypes;
    let hourlyPrice = p.hourlyPrice;
    if (hourlyPrice === undefined) {
      try {
        hourlyPrice = poolHourlyPrice(priceCatalog(cfg), p.region, instanceTypes, p.pricing);
      } catch (e) {
        throw new Error(`services.${service}.pools.${i}.hourlyPrice: not set and the price catalog has no price (${(e as Error).message}); set hourlyPrice`);
      }
    }
    return {
      id: tierId(p),
      computeType: p.computeType,
      region: p.region,
      pricing: p.pricing,
      instanceTypes,
      min: p.min,
      max: p.max,
      hourlyPrice,
      interruptionRate:
        p.interruptionRate ?? (p.pricing === 'spot' ? spotInterruptionPerHour(priceCatalog(cfg), p.region, instanceTypes) ?? DEFAULT_SPOT_INTERRUPTION : 0),
    };
  });
  const regionNames = [...new Set(pools.map((p) => p.region))].sort();
  const regions = svc.allocation?.regions ?? Object.fromEntries(regionNames.map((r) => [r, { share: 1, min: 0 }]));
  for (const d of Object.values(types)) {
    if (!(capacity.dimension in d.capacity)) {
      throw new Error(`services.${service}.computeTypes: every type must declare capacity.${capacity.dimension} (the forecast's dimension, capacity.dimension)`);
    }
  }
  return {
    dimension: capacity.dimension,
    targetUtilization: svc.targetUtilization,
    minInstances: svc.minInstances,
    maxInstances: svc.maxInstances,
    bufferQuantile: capacity.bufferQuantile,
    buffer: capacity.buffer,
    hysteresis: capacity.hysteresis,
    requestMix: capacity.requestMix,
    computeTypes: types,
    pools,
    maxSpotShare: svc.allocation?.maxSpotShare ?? 0.5,
    minSpotInstanceTypes: svc.allocation?.minSpotInstanceTypes ?? 2,
    regions: Object.fromEntries(Object.entries(regions).map(([r, v]) => [r, { share: v.share, min: v.min ?? 0 }])),
  };
}

/** The policy engine's rules for a service: the classic fields plus the optional `policy:` block. */
export function policyConfig(svc: ServiceConfig): PolicyConfig {
  const p = svc.policy;
  return {
    minInstances: svc.minInstances,
    maxInstances: svc.maxInstances,
    tierLimits: p?.tierLimits ?? {},
    maxStep: { absolute: svc.maxStepChange, percent: p?.maxStepPercent },
    cooldownSeconds: svc.cooldown,
    scaleInStabilizationSeconds: svc.scaleInStabilization,
    stagedScaleIn: p?.stagedScaleIn ? { stepPercent: p.stagedScaleIn.stepPercent, minStep: p.stagedScaleIn.minStep, observationSeconds: p.stagedScaleIn.observation } : undefined,
    freezeWindows: (p?.freezeWindows ?? []).map((w) => ({ id: w.id, cron: w.cron, durationSeconds: w.duration, blocks: w.blocks, reason: w.reason })),
    maxSpotShare: p?.maxSpotShare,
    requireApproval: p?.requireApproval ?? {},
    ruleIds: p?.ruleIds,
  };
}

/** The company → department → project → service tree, or undefined without a `budgets:` block. */
export function budgetTree(cfg: LoadedConfig): BudgetTree | undefined {
  const b = cfg.budgets;
  if (!b) return undefined;
  return buildBudgetTree({
    company: b.company,
    departments: b.departments,
    projects: b.projects,
    services: Object.fromEntries(Object.entries(cfg.services).map(([name, s]) => [name, { monthly: s.budget.monthly, project: s.budget.project }])),
  });
}

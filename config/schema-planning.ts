import { z } from 'zod';
import { durationSchema } from './duration';

/**
 * kinetic.yaml blocks for tiered capacity planning (issue 5): the capacity model, compute types,
 * pools, allocation, vertical-scaling templates, the policy engine, and the budget hierarchy.
 * All are optional: a service without them keeps the single-pool model (capacityPerInstance,
 * pricing.hourlyPerInstance, budget.monthly). Documented in README.md ("Tiered planning").
 */

const duration = durationSchema;

const fraction = z.number().min(0).max(1);
const positiveRecord = z.record(z.string().min(1), z.number().positive());

/** How the forecast becomes an instance count. */
export const capacityModelSchema = z
  .object({
    /** The capacity dimension the forecast metric measures (a key of every compute type's capacity). */
    dimension: z.string().min(1).default('requestsPerSecond'),
    /** Plan ahead by the configured leadTime, or by the measured provision-to-verified time of recent scale-outs. */
    leadTimeFrom: z.enum(['configured', 'measured']).default('configured'),
    /** The forecast quantile the buffer comes from. */
    bufferQuantile: z.enum(['p90', 'p99']).default('p90'),
    /** Buffer on top of the P50 need: at least `floor`, at most `cap` (fractions of P50). */
    buffer: z
      .object({ floor: fraction.default(0.1), cap: fraction.default(0.2) })
      .strict()
      .default({ floor: 0.1, cap: 0.2 })
      .refine((b) => b.cap >= b.floor, { message: 'buffer.cap must be >= buffer.floor', path: ['cap'] }),
    /** A scale-in smaller than max(minScaleIn, scaleInBand × current) is held; scale-outs always run. */
    hysteresis: z
      .object({ scaleInBand: fraction.default(0.05), minScaleIn: z.number().int().min(0).default(1) })
      .strict()
      .default({ scaleInBand: 0.05, minScaleIn: 1 }),
    /** Predicted mix of request classes: share of each and what one request/s of it uses per dimension. */
    requestMix: z
      .object({
        shares: positiveRecord,
        perRequest: z.record(z.string().min(1), positiveRecord),
      })
      .strict()
      .optional()
      .superRefine((m, ctx) => {
        if (!m) return;
        const sum = Object.values(m.shares).reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: ['shares'], message: `shares must sum to 1 (they sum to ${sum.toFixed(4)})` });
        for (const k of Object.keys(m.shares)) {
          if (!m.perRequest[k]) ctx.addIssue({ code: 'custom', path: ['perRequest', k], message: `class "${k}" has a share but no perRequest usage` });
        }
      }),
  })
  .strict();

/** A kind of capacity: what one instance serves per dimension, and the instance types that provide it. */
export const computeTypeSchema = z
  .object({
    /** Per-instance capacity at 100% utilisation, e.g. { requestsPerSecond: 120, cpu: 4, memoryMiB: 8192 }. */
    capacity: positiveRecord.refine((c) => Object.keys(c).length > 0, { message: 'declare at least one dimension' }),
    /** EC2 instance types (spot diversification counts these), e.g. [c6i.xlarge, c6a.xlarge]. */
    instanceTypes: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const poolSchema = z
  .object({
    computeType: z.string().min(1),
    region: z.string().min(1),
    pricing: z.enum(['committed', 'on-demand', 'spot']),
    min: z.number().int().min(0).default(0),
    max: z.number().int().min(0),
    /** Hourly price per instance; default: the price catalog for the region and instance types. */
    hourlyPrice: z.number().min(0).optional(),
    /** Probability an instance is interrupted within an hour (spot); default from the catalog's Spot Advisor bucket, else 0. */
    interruptionRate: fraction.optional(),
    /** Instance types of this pool (default: the compute type's). */
    instanceTypes: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((p) => p.max >= p.min, { message: 'max must be >= min', path: ['max'] });

export const allocationSchema = z
  .object({
    /** Spot instances ≤ this share of the fleet. */
    maxSpotShare: fraction.default(0.5),
    /** Spread spot over at least this many instance types. */
    minSpotInstanceTypes: z.number().int().min(1).default(2),
    /** Predicted geographic mix and per-region minimums (default: equal shares, min 0). */
    regions: z.record(z.string().min(1), z.object({ share: z.number().min(0), min: z.number().int().min(0).default(0) }).strict()).optional(),
  })
  .strict();

/** A Kubernetes quantity as the API server accepts it: "250m", "0.5", "2", "128Mi", "1G". */
const quantity = z
  .union([z.number().positive(), z.string()])
  .transform((q) => String(q))
  .refine((q) => /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(q), {
    message: 'not a Kubernetes quantity; write e.g. 250m or 0.5 (CPU), 128Mi or 1Gi (memory)',
  });
const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();
/** A RollingUpdate bound: a pod count or a percentage of replicas ("25%"). */
const rollingBound = z.union([z.number().int().min(0), z.string().regex(/^[0-9]{1,3}%$/, 'a pod count or a percentage such as "25%"')]);

/** Versioned instance templates for vertical scaling (a change is a rolling replacement). */
export const templateSchema = z
  .object({
    version: z.number().int().min(1),
    /** VM fleets: the compute type and its instance types. Kubernetes templates need neither ("pod"). */
    computeType: z.string().min(1).default('pod'),
    instanceTypes: z.array(z.string().min(1)).default([]),
    capacity: positiveRecord.optional(),
    /** Kubernetes (pulumi-kubernetes): the container's CPU/memory requests and limits. */
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).strict().optional(),
    /** Kubernetes: the Deployment's RollingUpdate bounds while pods move to this template. */
    rollingUpdate: z.object({ maxSurge: rollingBound.default('25%'), maxUnavailable: rollingBound.default(0) }).strict().optional(),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.instanceTypes.length === 0 && !t.resources) {
      ctx.addIssue({ code: 'custom', path: ['instanceTypes'], message: 'give instanceTypes (VM fleets) or resources (Kubernetes containers: requests/limits)' });
    }
  });

const freezeWindowSchema = z
  .object({
    id: z.string().min(1),
    /** Five-field cron (UTC): when the window opens, e.g. "0 18 * * FRI". */
    cron: z.string().min(1),
    /** How long it stays open, e.g. "62h". */
    duration,
    blocks: z.enum(['all', 'scale-in', 'scale-out']).default('all'),
    reason: z.string().optional(),
  })
  .strict();

export const policySchema = z
  .object({
    /** Bounds per tier: key is a pool id "computeType/region/pricing", `*` matches a segment. */
    tierLimits: z.record(z.string().min(1), z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict()).default({}),
    /** Largest change of one decision in percent of the current fleet (25 = 25%), in addition to maxStepChange. */
    maxStepPercent: z.number().positive().optional(),
    /** Gray scale-in: one stage per decision, the next only after the observation period. */
    stagedScaleIn: z
      .object({ stepPercent: z.number().gt(0).max(100), minStep: z.number().int().min(1).default(1), observation: duration })
      .strict()
      .optional(),
    freezeWindows: z.array(freezeWindowSchema).default([]),
    maxSpotShare: fraction.optional(),
    /** Your names for built-in rule ids in records and `kinetic explain`, e.g. { max-step: ops/step-limit }. */
    ruleIds: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** A decision matching any of these waits for a person (in addition to approval.autoApprove). */
    requireApproval: z
      .object({
        costDeltaPerHourAbove: z.number().min(0).optional(),
        changePercentAbove: z.number().min(0).optional(),
        scaleInBelow: z.number().int().min(0).optional(),
        anyScaleIn: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** company → department → project → service monthly limits, and where alerts go. */
export const budgetsSchema = z
  .object({
    company: z.object({ name: z.string().min(1), monthly: z.number().positive() }).strict(),
    departments: z.record(z.string().min(1), z.object({ monthly: z.number().positive() }).strict()).default({}),
    projects: z.record(z.string().min(1), z.object({ monthly: z.number().positive(), department: z.string().min(1) }).strict()).default({}),
    alerts: z
      .object({
        /** Fractions of a limit at which an alert fires once per month. */
        thresholds: z.array(z.number().gt(0).max(1)).min(1).default([0.8, 0.9, 0.95]),
        /** Optional URL that receives each alert as a JSON POST. */
        webhook: z.url().optional(),
        /** File (relative to kinetic.yaml) holding the secret that signs each POST (README "Secrets and redaction"). */
        secretFile: z.string().min(1).optional(),
      })
      .strict()
      .default({ thresholds: [0.8, 0.9, 0.95] }),
  })
  .strict();

export const pricingCatalogSchema = z
  .object({
    /** A catalog JSON file (relative to kinetic.yaml) instead of the bundled one. */
    catalog: z.string().min(1).optional(),
  })
  .strict();

export type CapacityModelConfig = z.infer<typeof capacityModelSchema>;
export type ComputeTypeConfig = z.infer<typeof computeTypeSchema>;
export type PoolConfig = z.infer<typeof poolSchema>;
export type AllocationConfig = z.infer<typeof allocationSchema>;
export type TemplateConfig = z.infer<typeof templateSchema>;
export type PolicyEngineConfig = z.infer<typeof policySchema>;
export type BudgetsConfig = z.infer<typeof budgetsSchema>;

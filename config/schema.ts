import { z } from 'zod';
import { parseDurationSeconds } from './duration';

/**
 * kinetic.yaml schema. Every field is documented in README.md ("Configuration").
 * Durations are strings like "5m"; they are normalised to seconds here.
 */

const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseDurationSeconds(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const csvMetrics = z
  .object({
    source: z.literal('csv'),
    /** Path to the CSV file, relative to kinetic.yaml. */
    path: z.string().min(1),
    valueColumn: z.string().min(1).default('value'),
    timeColumn: z.string().min(1).optional(),
    /** Name of the metric (for the record and the explanation). */
    metric: z.string().min(1).default('requests_per_second'),
    stepSeconds: z.number().int().positive().default(300),
    /** How many trailing points to read as history (the replay's "now" is the file's end). */
    historyPoints: z.number().int().min(2).default(2016),
  })
  .strict();

const prometheusMetrics = z
  .object({
    source: z.literal('prometheus'),
    url: z.url(),
    query: z.string().min(1),
    metric: z.string().min(1).default('requests_per_second'),
    stepSeconds: z.number().int().positive().default(60),
    historyPoints: z.number().int().min(2).default(2016),
  })
  .strict();

const localPoolMetrics = z
  .object({
    source: z.literal('local-pool'),
    /** The pool's balancer (lists the members); default http://127.0.0.1:<provisioner.basePort - 1>. */
    url: z.url().optional(),
    metric: z.string().min(1).default('requests_per_second'),
    stepSeconds: z.number().int().positive().default(5),
    historyPoints: z.number().int().min(2).default(120),
  })
  .strict();

const metrics = z.discriminatedUnion('source', [csvMetrics, prometheusMetrics, localPoolMetrics]);

const provisioner = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dry-run'), initialInstances: z.number().int().min(0).optional() }).strict(),
  z
    .object({
      type: z.literal('fault-injecting'),
      initialInstances: z.number().int().min(0).optional(),
      /** Apply moves half-way to the target, then fails (not retryable). */
      failApplyAfterPartial: z.boolean().default(false),
      /** Verification reports unhealthy members. */
      failVerify: z.boolean().default(false),
      /** Apply takes this long (heartbeating), so tests can kill a worker mid-apply. */
      applyDelayMs: z.number().int().min(0).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('pulumi-local'),
      /** First member port; the pool's load balancer listens on basePort - 1. */
      basePort: z.number().int().min(1025).max(65000).optional(),
      /** argv of one member (default: the bundled examples/sample-service). */
      command: z.array(z.string()).min(1).optional(),
      /** Extra environment of members, e.g. { SAMPLE_CPU_MS: "10" }. */
      env: z.record(z.string(), z.string()).optional(),
      healthPath: z.string().default('/healthz'),
      /** Run a round-robin load balancer in front of the pool (default true). */
      loadBalancer: z.boolean().default(true),
    })
    .strict(),
]);

const approval = z
  .object({
    /** Decisions inside all of these bounds are approved without a person. */
    autoApprove: z
      .object({
        maxStepChange: z.number().int().min(0).default(2),
        maxHourlyCostIncrease: z.number().min(0).default(Number.MAX_SAFE_INTEGER),
        allowScaleIn: z.boolean().default(true),
      })
      .strict()
      .default({ maxStepChange: 2, maxHourlyCostIncrease: Number.MAX_SAFE_INTEGER, allowScaleIn: true }),
    /** Identities allowed to approve or reject (e.g. e-mail addresses). */
    approvers: z.array(z.string().min(1)).default([]),
    /** A decision waiting longer than this is rejected. */
    timeout: duration.default(3600),
  })
  .strict();

/**
 * Learning and control loop per service (issue 7). All optional: a service without `learning:`
 * gets these defaults.
 */
const learning = z
  .object({
    /** Models the loop forecasts with and retraining fits (names from models/registry.ts). */
    models: z.array(z.string().min(1)).min(1).default(['naive', 'seasonalNaive', 'ewma', 'ets']),
    /** Longest history retraining reads (it uses whatever exists up to this). */
    historyWindow: duration.default(90 * 86400),
    /** Fewer points than this → retraining ends with "not enough history". */
    minHistoryPoints: z.number().int().min(4).default(48),
    /** Most recent points held back to compare champion and challenger. */
    holdoutPoints: z.number().int().min(1).default(24),
    /** A challenger is promoted only if its holdout MASE is lower by this fraction (0.05 = 5%). */
    promotionMargin: z.number().min(0).max(1).default(0.02),
    /** Reweighting: cost of one unit under-forecast relative to one unit over-forecast. */
    underForecastPenalty: z.number().min(1).default(3),
    /** Reweighting: Hedge learning rate (per evaluated prediction, loss scaled by demand level). */
    learningRate: z.number().positive().default(0.5),
    /** Reweighting: no model's weight falls below this (then weights are renormalised). */
    weightFloor: z.number().min(0).max(0.5).default(0.02),
    loop: z
      .object({
        /** act: start decisions; forecast-only: record what it would do, provision nothing. */
        mode: z.enum(['act', 'forecast-only']).default('act'),
        /** Time between loop iterations (default: the service's decisionInterval). */
        interval: duration.optional(),
      })
      .strict()
      .default({ mode: 'act' }),
  })
  .strict();

export const serviceSchema = z
  .object({
    description: z.string().optional(),
    metrics,
    /** Demand one instance serves at 100% utilisation, in the metric's unit. */
    capacityPerInstance: z.number().positive(),
    minInstances: z.number().int().min(0),
    maxInstances: z.number().int().min(1),
    targetUtilization: z.number().gt(0).max(1).default(0.7),
    /** Time from a decision to new capacity serving (boot + warm-up): we plan this far ahead. */
    leadTime: duration.default(600),
    /** The window after the lead time that the plan must cover. */
    decisionInterval: duration.default(300),
    /** Minimum time between two committed decisions of this service. */
    cooldown: duration.default(300),
    /** A scale-in waits until no higher recommendation was made within this window. */
    scaleInStabilization: duration.default(900),
    /** Largest change (in instances) one decision may make. */
    maxStepChange: z.number().int().min(1).default(10),
    /** Seasonal periods in metric steps (e.g. [288, 2016] for daily+weekly at 5 min). */
    seasons: z.array(z.number().int().min(2)).default([]),
    approval: approval.default({
      autoApprove: { maxStepChange: 2, maxHourlyCostIncrease: Number.MAX_SAFE_INTEGER, allowScaleIn: true },
      approvers: [],
      timeout: 3600,
    }),
    budget: z
      .object({
        /** Monthly spend limit in the price's currency. */
        monthly: z.number().positive(),
        /** Services naming the same pool share its limit (default: the service's own pool). */
        pool: z.string().min(1).optional(),
      })
      .strict(),
    pricing: z.object({ hourlyPerInstance: z.number().min(0) }).strict(),
    provisioner: provisioner.default({ type: 'dry-run' }),
    /** The decision's forecast: an ensemble of these models (names from models/registry.ts). */
    forecast: z
      .object({
        models: z.array(z.enum(['naive', 'seasonalNaive', 'ewma', 'ets', 'sarima', 'prophet', 'gru'])).min(1).default(['naive', 'seasonalNaive', 'ewma', 'ets']),
        /** weighted: by recent accuracy; consensus: median of the best three (critical services). */
        mode: z.enum(['weighted', 'consensus']).default('weighted'),
      })
      .strict()
      .default({ models: ['naive', 'seasonalNaive', 'ewma', 'ets'], mode: 'weighted' }),
    /** Retraining, reweighting and the control loop (issue 7); all fields optional. */
    learning: learning.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.maxInstances < s.minInstances) {
      ctx.addIssue({ code: 'custom', path: ['maxInstances'], message: `must be >= minInstances (${s.minInstances})` });
    }
  });

/** Model versions: files under `<stateDir>/models` or an S3-compatible bucket (AWS S3, MinIO, …). */
const modelStore = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file') }).strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().min(3),
      /** Key prefix inside the bucket, e.g. "kinetic/models/". */
      prefix: z.string().default('kinetic/models/'),
      region: z.string().min(1).default('us-east-1'),
      /** Custom endpoint for S3-compatible stores (MinIO, Ceph); omit for AWS S3. */
      endpoint: z.url().optional(),
      /** Path-style addressing (most S3-compatible servers need it). */
      forcePathStyle: z.boolean().default(false),
    })
    .strict(),
]);

/** Temporal Schedules for the periodic learning workflows (issue 7). */
const scheduleSpec = z
  .object({
    /** Cron expressions (UTC), e.g. "15 2 * * *"; or use `every`. */
    cron: z.array(z.string().min(1)).optional(),
    /** A fixed interval, e.g. "1h". */
    every: duration.optional(),
    paused: z.boolean().default(false),
  })
  .strict();

const schedules = z
  .object({
    retrain: scheduleSpec.default({ cron: ['15 2 * * *'], paused: false }),
    reweight: scheduleSpec.default({ every: 3600, paused: false }),
    budgetReport: scheduleSpec.default({ cron: ['30 0 * * *'], paused: false }),
    /** Missed runs (server or workers down) are started if they are at most this late. */
    catchupWindow: duration.default(3600),
    /** skip: a run still going blocks the next; bufferOne: queue one. */
    overlap: z.enum(['skip', 'bufferOne']).default('skip'),
    /** Create/update the schedules when a worker starts. */
    applyOnWorkerStart: z.boolean().default(true),
  })
  .strict();

export const configSchema = z
  .object({
    version: z.literal(1),
    /** Task queue the worker polls and decisions run on. */
    taskQueue: z.string().min(1).default('kinetic-decisions'),
    /** Where ledgers, budgets and provisioner state live (relative to kinetic.yaml). */
    stateDir: z.string().min(1).default('.kinetic'),
    /** Where model versions live: files under stateDir (default) or an S3-compatible bucket. */
    modelStore: modelStore.default({ type: 'file' }),
    /** Periodic retrain / reweight / budget-report schedules (issue 7); optional. */
    schedules: schedules.optional(),
    services: z.record(z.string(), serviceSchema).superRefine((r, ctx) => {
      if (Object.keys(r).length === 0) ctx.addIssue({ code: 'custom', message: 'define at least one service' });
      for (const name of Object.keys(r)) {
        if (!SERVICE_NAME.test(name)) {
          // Names become workflow ids, stack names and search-attribute values.
          ctx.addIssue({ code: 'custom', path: [name], message: 'service names use lowercase letters, digits and dashes, starting with a letter (max 63)' });
        }
      }
    }),
  })
  .strict();

export type KineticConfig = z.infer<typeof configSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ProvisionerConfig = ServiceConfig['provisioner'];
export type MetricsConfig = ServiceConfig['metrics'];
export type LearningConfig = z.infer<typeof learning>;
export type SchedulesConfig = z.infer<typeof schedules>;
export type ModelStoreConfig = z.infer<typeof modelStore>;
export const learningSchema = learning;
export const schedulesSchema = schedules;

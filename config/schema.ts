import { z } from 'zod';
import { DEFAULT_HEDGE } from '../learning/hedge';
import { DEFAULT_PLANNER_MODELS } from '../planning/predictive/options';
import { tierId } from '../planning/allocation';
import { parseCron } from '../planning/freeze-windows';
import { parseBackendUrl } from '../provisioners/pulumi/backend-url';
import { durationSchema } from './duration';
import { encryptionSchema } from './schema-encryption';
import { fingerprintsSchema } from './schema-fingerprints';
import {
  allocationSchema,
  budgetsSchema,
  capacityModelSchema,
  computeTypeSchema,
  policySchema,
  poolSchema,
  pricingCatalogSchema,
  templateSchema,
} from './schema-planning';
import { authSchema } from './schema-auth';

/**
 * kinetic.yaml schema. Every field is documented in README.md ("Configuration").
 * Durations are strings like "5m"; they are normalised to seconds here.
 */

const duration = durationSchema;

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
    /** The newest sample may be at most this old (default 3 steps); older ends the decision. */
    maxStaleness: duration.optional(),
    /** The query returns at least this many series (e.g. one per pod); fewer is an error. */
    minSeries: z.number().int().min(1).optional(),
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
    /** The newest sample may be at most this old (default 3 steps); older ends the decision. */
    maxStaleness: duration.optional(),
  })
  .strict();

const metrics = z.discriminatedUnion('source', [csvMetrics, prometheusMetrics, localPoolMetrics]);

/**
 * Where a Pulumi provisioner keeps stack state: `file://<dir>` (absolute, `~/…`, or relative to
 * stateDir) or `s3://bucket/prefix?endpoint=…&s3ForcePathStyle=true&region=…` (S3-compatible).
 */
const pulumiBackend = z
  .string()
  .superRefine((url, ctx) => {
    try {
      parseBackendUrl(url, '/');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  })
  .optional();

/** Where the key of Pulumi stack secrets comes from (README "Secrets and redaction"); never stored beside the state. */
const pulumiSecrets = {
  /** A file holding the passphrase (relative to kinetic.yaml), e.g. a mounted secret. */
  passphraseFile: z.string().min(1).optional(),
  /** A KMS secrets provider for the stacks instead of a passphrase, e.g. awskms://alias/kinetic?region=us-east-1. */
  secretsProvider: z
    .string()
    .regex(/^(awskms|gcpkms|azurekeyvault|hashivault):\/\/\S+$/, { message: 'secretsProvider must be a KMS URL: awskms://…, gcpkms://…, azurekeyvault://… or hashivault://…' })
    .optional(),
};

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
      /** Rollback fails (not retryable): the decision ends in `compensation-failed`. */
      failRollback: z.boolean().default(false),
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
      /** Pulumi state (default file://<stateDir>/pulumi/state). */
      backend: pulumiBackend,
      ...pulumiSecrets,
    })
    .strict(),
  z
    .object({
      type: z.literal('pulumi-aws'),
      /** Per region: subnets (one per AZ), the AMI, optional security groups and key pair. */
      regions: z.record(
        z.string().min(1),
        z
          .object({
            subnetIds: z.array(z.string().min(1)).min(1),
            securityGroupIds: z.array(z.string().min(1)).optional(),
            imageId: z.string().min(1),
            keyName: z.string().min(1).optional(),
          })
          .strict(),
      ),
      /** Per compute type: launch details; instance types and group bounds come from computeTypes/templates and pools. */
      launch: z
        .record(
          z.string().min(1),
          z.object({ userData: z.string().optional(), minSize: z.number().int().min(0).optional(), maxSize: z.number().int().min(1).optional() }).strict(),
        )
        .default({}),
      /** Share of a group that stays healthy during a rolling replacement (instance refresh). */
      minHealthyPercentage: z.number().int().min(0).max(100).default(90),
      /** How long verification waits for InService instances, and how often it asks. */
      verifyTimeout: duration.default(600),
      verifyPoll: duration.default(15),
      /** Pulumi state (default file://<stateDir>/pulumi-aws/state). */
      backend: pulumiBackend,
      ...pulumiSecrets,
    })
    .strict(),
  z
    .object({
      type: z.literal('pulumi-kubernetes'),
      /** Kubeconfig file (default $KUBECONFIG, then ~/.kube/config) and the context in it (default its current-context). */
      kubeconfig: z.string().min(1).optional(),
      context: z.string().min(1).optional(),
      /** The workload Kinetic scales. */
      workload: z
        .object({ kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'), namespace: z.string().min(1).default('default'), name: z.string().min(1) })
        .strict(),
      /** replicas: Kinetic owns spec.replicas; hpa-floor: Kinetic sets the HPA's minReplicas and the HPA scales above it. */
      mode: z.enum(['replicas', 'hpa-floor']).default('replicas'),
      /** The HorizontalPodAutoscaler of hpa-floor mode (default: the workload's name). */
      hpa: z.string().min(1).optional(),
      /** Server-side apply field manager: a field another manager owns is a named conflict, never silently taken. */
      fieldManager: z.string().min(1).default('kinetic'),
      /** The container whose resources the versioned templates set (default: the workload's name). */
      container: z.string().min(1).optional(),
      /** How long verification waits for Ready replicas, and how often it asks the API server. */
      verifyTimeout: duration.default(300),
      verifyPoll: duration.default(2),
      /** Pulumi state (default file://<stateDir>/pulumi-kubernetes/state). */
      backend: pulumiBackend,
      ...pulumiSecrets,
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
    /** Who may approve or reject: identities (e.g. e-mail addresses) or `group:<name>` (auth.groupsClaim). */
    approvers: z.array(z.string().min(1)).default([]),
    /** Quorum: this many distinct approvers must approve (one rejection ends the decision). */
    required: z.number().int().min(1).max(10).default(1),
    /** Four-eyes is the default: the person who started a decision (with a token) may not approve it. */
    allowSelfApproval: z.boolean().default(false),
    /** A decision waiting longer than this is rejected. */
    timeout: duration.default(3600),
    /** A plan approved by a person after waiting longer than this is re-planned, never applied. */
    maxPlanAge: duration
      .refine((s) => s >= 1, { message: 'maxPlanAge must be at least "1s": an approved plan older than this is re-planned instead of applied' })
      .default(900),
    /** Anomalous scaling (README "Anomalous scaling"): unset fields take planning/anomaly.ts's defaults. */
    anomaly: z
      .object({
        enabled: z.boolean().optional(),
        ratio: z.number().gt(1).optional(),
        zScore: z.number().positive().optional(),
        minHistory: z.number().int().min(2).optional(),
        historyWindow: duration.optional(),
        minChange: z.number().int().min(0).optional(),
        runawaySteps: z.number().int().min(1).optional(),
        runawayWindow: duration.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * Learning and control loop per service (issue 7). All optional: a service without `learning:`
 * gets these defaults.
 */
const learning = z
  .object({
    /** Models retraining fits and reweighting weights (names from models/registry.ts); decisions plan with them unless `forecast.models` says otherwise. */
    models: z.array(z.string().min(1)).min(1).default([...DEFAULT_PLANNER_MODELS]),
    /** Longest history retraining reads (it uses whatever exists up to this). */
    historyWindow: duration.default(90 * 86400),
    /** Fewer points than this → retraining ends with "not enough history". */
    minHistoryPoints: z.number().int().min(4).default(48),
    /** Most recent points held back to compare champion and challenger. */
    holdoutPoints: z.number().int().min(1).default(24),
    /** A challenger is promoted only if its holdout MASE is lower by this fraction (0.05 = 5%). */
    promotionMargin: z.number().min(0).max(1).default(0.02),
    /** Reweighting from decision outcomes (Exp3): an under-provisioning outcome costs this many times a wasteful one. */
    underForecastPenalty: z.number().min(1).default(3),
    /** Reweighting: Hedge learning rate (per evaluated prediction, loss scaled by demand level). */
    learningRate: z.number().positive().default(DEFAULT_HEDGE.learningRate),
    /** Reweighting: no model's weight falls below this (then weights are renormalised). */
    weightFloor: z.number().min(0).max(0.5).default(DEFAULT_HEDGE.weightFloor),
    /** Reweighting from decision outcomes only (Exp3): exploration rate γ, in (0, 1]. */
    exploration: z.number().gt(0).max(1).default(0.1),
    /**
     * Evaluated predictions older than this are dropped from the prediction store after each
     * reweight. Never less than the reweight lookback (forecast horizon + approval timeout +
     * outcome window + reweight interval), which is also the default.
     */
    predictionRetention: duration.optional(),
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

const serviceFields = z
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
      required: 1,
      allowSelfApproval: false,
      timeout: 3600,
      maxPlanAge: 900,
    }),
    budget: z
      .object({
        /** Monthly spend limit in the price's currency. */
        monthly: z.number().positive(),
        /** Services naming the same pool share its limit (default: the service's own pool). */
        pool: z.string().min(1).optional(),
        /** The project (under top-level `budgets.projects`) this service's spend counts towards. */
        project: z.string().min(1).optional(),
        /** A decision that would exceed any budget level: reject it, or send it to a person. */
        onExceed: z.enum(['reject', 'require-approval']).default('reject'),
        /** Cost-attribution tags put on resources and decisions (e.g. cost-center). */
        tags: z.record(z.string().min(1), z.string()).optional(),
      })
      .strict(),
    /** Price of one instance; required for a service without `pools` (pools carry their own prices). */
    pricing: z.object({ hourlyPerInstance: z.number().min(0) }).strict().optional(),
    /** Tiered planning (issue 5); all optional. */
    capacity: capacityModelSchema.optional(),
    /** Forecasts of other capacity dimensions (e.g. cpu, memoryMiB), each from its own metrics source. */
    dimensionMetrics: z.record(z.string().min(1), metrics).optional(),
    /** Demand per region, each from its own metrics source: its forecast sets the regional mix of the allocation. */
    regionMetrics: z.record(z.string().min(1), metrics).optional(),
    computeTypes: z.record(z.string().min(1), computeTypeSchema).optional(),
    pools: z.array(poolSchema).min(1).optional(),
    allocation: allocationSchema.optional(),
    templates: z.array(templateSchema).min(1).optional(),
    /** The template version the fleet should run; a change is planned as a rolling replacement. */
    activeTemplate: z.number().int().min(1).optional(),
    policy: policySchema.optional(),
    provisioner: provisioner.default({ type: 'dry-run' }),
    /** The decision's forecast: the predictive planner over these models (planning/predictive). */
    forecast: z
      .object({
        /** The planner's models (names from models/registry.ts); default: learning.models. */
        models: z.array(z.enum(['naive', 'seasonalNaive', 'ewma', 'ets', 'sarima', 'prophet', 'gru'])).min(1).optional(),
        /** weighted: by the learned weights; consensus: median of the three heaviest (critical services). */
        mode: z.enum(['weighted', 'consensus']).default('weighted'),
        /** The buffer covers the peak over the planning window at this quantile. */
        quantile: z.number().gt(0.5).lt(1).default(0.95),
        /** A champion whose data ends longer ago than this is not used; the model is fitted at decision time instead (cached per worker for as long). */
        championMaxAge: duration.default(2 * 86400),
      })
      .strict()
      .default({ mode: 'weighted', quantile: 0.95, championMaxAge: 2 * 86400 }),
    /** Retraining, reweighting and the control loop (issue 7); all fields optional. */
    learning: learning.optional(),
    /** Behavioural fingerprints as cpu/memoryMiB capacity dimensions of the plan (issue 17). */
    fingerprints: fingerprintsSchema.optional(),
    /** Like KEDA's fallback: after this many failed forecasts in a row, scale out by `step` from current capacity (never in). */
    fallback: z
      .object({
        failureThreshold: z.number().int().min(1).default(3),
        step: z.number().int().min(1).default(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export const serviceSchema = serviceFields.superRefine((s, ctx) => {
    if (s.maxInstances < s.minInstances) {
      ctx.addIssue({ code: 'custom', path: ['maxInstances'], message: `must be >= minInstances (${s.minInstances})` });
    }
    checkStaleness(s, ctx);
    checkTiering(s, ctx);
  });

/** `maxStaleness` of every metrics block: at least one step (a shorter limit makes every read stale). */
function checkStaleness(s: z.infer<typeof serviceFields>, ctx: z.RefinementCtx): void {
  const blocks: Array<[(string | number)[], z.infer<typeof metrics>]> = [
    [['metrics'], s.metrics],
    ...Object.entries(s.dimensionMetrics ?? {}).map(([k, m]): [(string | number)[], z.infer<typeof metrics>] => [['dimensionMetrics', k], m]),
    ...Object.entries(s.regionMetrics ?? {}).map(([k, m]): [(string | number)[], z.infer<typeof metrics>] => [['regionMetrics', k], m]),
  ];
  for (const [path, m] of blocks) {
    if (m.source === 'csv' || m.maxStaleness === undefined || m.maxStaleness >= m.stepSeconds) continue;
    ctx.addIssue({ code: 'custom', path: [...path, 'maxStaleness'], message: `${m.maxStaleness}s is shorter than one step (stepSeconds ${m.stepSeconds}); raise it, or remove it for the default of 3 steps (${3 * m.stepSeconds}s)` });
  }
}

/** Cross-field rules of tiered planning: every name a block uses must be declared elsewhere. */
function checkTiering(s: z.infer<typeof serviceFields>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (!s.pools && !s.pricing) issue(['pricing', 'hourlyPerInstance'], 'required for a service without pools (e.g. pricing: { hourlyPerInstance: 0.17 })');
  const types = Object.keys(s.computeTypes ?? {});
  if (s.pools && types.length === 0) issue(['computeTypes'], 'pools need computeTypes (e.g. computeTypes: { cpu: { capacity: { requestsPerSecond: 100 }, instanceTypes: [c6i.xlarge] } })');
  s.pools?.forEach((p, i) => {
    if (types.length && !types.includes(p.computeType)) issue(['pools', i, 'computeType'], `"${p.computeType}" is not in computeTypes (${types.join(', ')})`);
  });
  const ids = new Set<string>();
  s.pools?.forEach((p, i) => {
    const id = tierId(p);
    if (ids.has(id)) issue(['pools', i], `pool ${id} is declared twice`);
    ids.add(id);
  });
  const regions = new Set((s.pools ?? []).map((p) => p.region));
  for (const r of Object.keys(s.allocation?.regions ?? {})) {
    if (!regions.has(r)) issue(['allocation', 'regions', r], `no pool is in region "${r}" (pools are in ${[...regions].join(', ') || 'no region'})`);
  }
  if (s.fingerprints && s.pools) issue(['fingerprints'], 'fingerprint dimensions plan a single pool for now; remove fingerprints or the tiered pools');
  if (s.fallback && s.pools) issue(['fallback'], 'the fallback plans a single pool (current capacity + step); remove it or the tiered pools');
  if (s.computeTypes && !s.pools) issue(['pools'], 'computeTypes need pools (which region and pricing each type runs in)');
  for (const d of Object.keys(s.dimensionMetrics ?? {})) {
    if (!s.pools) issue(['dimensionMetrics', d], 'dimension forecasts need tiered planning (computeTypes and pools)');
    for (const [t, ct] of Object.entries(s.computeTypes ?? {})) {
      if (!(d in ct.capacity)) issue(['dimensionMetrics', d], `compute type "${t}" has no capacity.${d}; declare it so this forecast can be planned for`);
    }
  }
  for (const r of Object.keys(s.regionMetrics ?? {})) {
    if (!regions.has(r)) issue(['regionMetrics', r], `no pool is in region "${r}" (pools are in ${[...regions].join(', ') || 'no region'})`);
  }
  if (s.provisioner.type === 'pulumi-aws') {
    if (!s.pools) issue(['provisioner'], 'pulumi-aws plans tiered pools: declare computeTypes and pools');
    for (const r of regions) if (!s.provisioner.regions[r]) issue(['provisioner', 'regions', r], `pools use region "${r}": give its subnetIds and imageId`);
    for (const k of Object.keys(s.provisioner.launch)) if (!types.includes(k)) issue(['provisioner', 'launch', k], `"${k}" is not in computeTypes (${types.join(', ')})`);
  }
  if (s.pools && s.provisioner.type === 'pulumi-local') {
    issue(['provisioner', 'type'], 'pulumi-local runs one local pool and cannot hold tiered pools; use dry-run, fault-injecting or pulumi-aws, or remove pools');
  }
  if (s.pools && s.provisioner.type === 'pulumi-kubernetes') {
    issue(['provisioner', 'type'], 'pulumi-kubernetes scales one workload (provisioner.workload) and cannot hold tiered pools; remove pools');
  }
  if (s.provisioner.type === 'pulumi-kubernetes') {
    s.templates?.forEach((t, i) => {
      if (!t.resources) issue(['templates', i, 'resources'], 'pulumi-kubernetes applies container requests/limits: give resources (e.g. { requests: { cpu: 250m, memory: 128Mi } })');
    });
  }
  const versions = new Set<number>();
  s.templates?.forEach((t, i) => {
    if (versions.has(t.version)) issue(['templates', i, 'version'], `version ${t.version} is declared twice`);
    versions.add(t.version);
    if (types.length && !types.includes(t.computeType)) issue(['templates', i, 'computeType'], `"${t.computeType}" is not in computeTypes (${types.join(', ')})`);
  });
  s.policy?.freezeWindows.forEach((w, i) => {
    try {
      parseCron(w.cron);
    } catch (e) {
      issue(['policy', 'freezeWindows', i, 'cron'], (e as Error).message);
    }
  });
  if (s.activeTemplate !== undefined && !versions.has(s.activeTemplate)) {
    issue(['activeTemplate'], `no template has version ${s.activeTemplate} (declared: ${[...versions].join(', ') || 'none'})`);
  }
}

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

/**
 * Where the records every worker must agree on live (issue 12). `file`: under stateDir — the
 * single-host embedded default. `postgres`: one database shared by workers on many hosts; its URL
 * comes from the environment variable `postgres.urlEnv` (never from the file: it holds a password).
 */
const stateSchema = z
  .object({
    /** The audit log of decision records (hash-chained). */
    audit: z.enum(['file', 'postgres']).default('file'),
    /** Stored predictions and the local-pool metrics history. */
    store: z.enum(['file', 'postgres']).default('file'),
    postgres: z
      .object({
        /** Environment variable holding the connection URL, e.g. postgres://kinetic@db:5432/kinetic. */
        urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. KINETIC_POSTGRES_URL').default('KINETIC_POSTGRES_URL'),
        /** Schema Kinetic's tables live in (created when missing). */
        schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lowercase letters, digits and underscores').default('kinetic'),
      })
      .strict()
      .default({ urlEnv: 'KINETIC_POSTGRES_URL', schema: 'kinetic' }),
  })
  .strict();

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
    /** The fingerprint adaptive loop (services with `fingerprints:`; the others cost one listing). */
    fingerprints: scheduleSpec.default({ every: 900, paused: false }),
    /** Missed runs (server or workers down) are started if they are at most this late. */
    catchupWindow: duration.default(3600),
    /** skip: a run still going blocks the next; bufferOne: queue one. */
    overlap: z.enum(['skip', 'bufferOne']).default('skip'),
    /** Create/update the schedules when a worker starts. */
    applyOnWorkerStart: z.boolean().default(true),
  })
  .strict();

const OTLP_ENDPOINT_HINT = 'the base URL of an OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 (an OpenTelemetry Collector, Jaeger or Tempo; /v1/traces is appended)';

/** Traces (issue 15): OTLP/HTTP export of every decision's spans; optional (OTEL_EXPORTER_OTLP_ENDPOINT also turns it on). */
const tracing = z
  .object({
    endpoint: z
      .string({ error: `observability.tracing.endpoint: ${OTLP_ENDPOINT_HINT}` })
      .refine((u) => /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u), { message: `not an http(s) URL: use ${OTLP_ENDPOINT_HINT}` }),
  })
  .strict();

/** The worker's Prometheus endpoint, traces and log format (issue 15); all optional: no port, no endpoint. */
const observability = z
  .object({
    /** Port of the worker's `/metrics` (Kinetic's, the process's and Temporal's SDK metrics); `kinetic worker --metrics-port` overrides it. */
    metricsPort: z.number().int().min(1, 'a TCP port 1–65535, e.g. 9464').max(65535, 'a TCP port 1–65535, e.g. 9464').optional(),
    /** Address the endpoint listens on (default 0.0.0.0: Prometheus usually scrapes from another host). */
    metricsHost: z.string().min(1).optional(),
    /** Where the worker and the CLI send their spans; absent (and no OTEL_EXPORTER_OTLP_ENDPOINT): no traces. */
    tracing: tracing.optional(),
    /** The worker's log lines: JSON (one object a line) or text; default JSON unless stdout is a terminal. `kinetic worker --log-format` overrides it. */
    logFormat: z.enum(['json', 'text'], { error: 'json (one JSON object a line: level, time, msg, decisionId, workflowId, runId) or text (for a terminal)' }).optional(),
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
    /** Where the audit log and the stores live: files (one host) or Postgres (many hosts). */
    state: stateSchema.default({ audit: 'file', store: 'file', postgres: { urlEnv: 'KINETIC_POSTGRES_URL', schema: 'kinetic' } }),
    /** company → department → project budgets and alert routing (issue 5); optional. */
    budgets: budgetsSchema.optional(),
    /** The price catalog pools are priced from when they give no hourlyPrice. */
    pricing: pricingCatalogSchema.optional(),
    /** Periodic retrain / reweight / budget-report schedules (issue 7); optional. */
    schedules: schedules.optional(),
    /** The worker's `/metrics` endpoint, traces and log format (issue 15); optional. */
    observability: observability.optional(),
    /** Encrypted Temporal payloads (keys, KMS, codec server); optional. */
    encryption: encryptionSchema.optional(),
    /** Authenticated approvals and roles (issue 14): OpenID Connect, or `mode: unverified` for the demo only. */
    auth: authSchema.optional(),
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
  .strict()
  .superRefine((c, ctx) => {
    // Budget hierarchy names must resolve: service → project → department.
    const projects = c.budgets?.projects ?? {};
    const departments = c.budgets?.departments ?? {};
    for (const [name, p] of Object.entries(projects)) {
      if (!departments[p.department]) {
        ctx.addIssue({ code: 'custom', path: ['budgets', 'projects', name, 'department'], message: `"${p.department}" is not in budgets.departments (${Object.keys(departments).join(', ') || 'none declared'})` });
      }
    }
    for (const [name, svc] of Object.entries(c.services)) {
      checkApprovers(name, svc.approval, c.auth, ctx);
      const project = svc.budget.project;
      if (project && !c.budgets) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'budget', 'project'], message: 'a project needs a top-level budgets block (budgets: { company: { name, monthly }, projects: { … } })' });
      } else if (project && !projects[project]) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'budget', 'project'], message: `"${project}" is not in budgets.projects (${Object.keys(projects).join(', ') || 'none declared'})` });
      }
    }
  });

/** `approval.approvers` and `approval.required` against the `auth:` block. */
function checkApprovers(
  service: string,
  a: { approvers: string[]; required: number },
  auth: z.infer<typeof authSchema> | undefined,
  ctx: z.RefinementCtx,
): void {
  const path = ['services', service, 'approval'];
  const groups = a.approvers.filter((e) => e.startsWith('group:'));
  a.approvers.forEach((e, i) => {
    if (e === 'group:') ctx.addIssue({ code: 'custom', path: [...path, 'approvers', i], message: 'name the group: group:<name>' });
  });
  if (groups.length && (!auth || auth.mode !== 'oidc' || !auth.groupsClaim)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'approvers'], message: `${groups.join(', ')}: group approvers need auth in oidc mode with auth.groupsClaim (the claim listing a person's groups)` });
  }
  if (groups.length === 0 && a.approvers.length > 0 && a.required > a.approvers.length) {
    ctx.addIssue({ code: 'custom', path: [...path, 'required'], message: `${a.required} approvers are required but only ${a.approvers.length} are listed; list more (or a group:<name>) or lower required` });
  }
}

export type KineticConfig = z.infer<typeof configSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type ProvisionerConfig = ServiceConfig['provisioner'];
export type MetricsConfig = ServiceConfig['metrics'];
export type LearningConfig = z.infer<typeof learning>;
export type SchedulesConfig = z.infer<typeof schedules>;
export type ModelStoreConfig = z.infer<typeof modelStore>;
export type StateConfig = z.infer<typeof stateSchema>;
export const learningSchema = learning;
export const schedulesSchema = schedules;

/**
 * Provisioner `pulumi-aws`: changes EC2 Auto Scaling Groups through the Pulumi Automation API.
 *
 * - One stack per service (stack name = service), project `kinetic-aws`, inline program
 *   `pulumi/aws` (per region a provider; per region × compute type a launch template and an ASG
 *   whose MixedInstancesPolicy carries the committed / on-demand / spot split of the plan).
 * - Same toolchain wiring as `pulumi-local` (provisioners/pulumi/env.ts): `file://` backend
 *   under `<rootDir>/state` or `backend` (a shared directory or an S3-compatible bucket), the same
 *   stack-lock rules (provisioners/pulumi/stack-lock.ts), work dir `<rootDir>/work/<service>`, passphrase secrets, the stamped
 *   CLI, no downloads. The `pulumi-resource-aws` plugin must be installed beforehand; without it
 *   every engine operation fails at once with a non-retryable error that says how.
 * - `apply` writes `kinetic:tiers` + `kinetic:decisionId` to the stack config and runs `up` with
 *   heartbeats and the abort signal. A plan already applied (same decision, same tiers in the
 *   outputs) returns `changed: false` without an engine run; `previous` is journaled per decision.
 * - `verify` reads InService + Healthy counts per group through `@aws-sdk/client-auto-scaling`
 *   (one client per region, from `autoScaling`); `current` reads the last applied tiers from the
 *   stack checkpoint (zero tiers for a new stack). Neither needs the plugin nor the CLI.
 *
 * Usage:
 *   const p = createPulumiAwsProvisioner({ rootDir: '.kinetic/aws', spec });
 *   const r = await p.apply({ decisionId: 'd1', service: 'web', tiers: { 'cpu/us-east-1/spot': 3 }, total: 3 });
 *   const v = await p.verify(plan); if (!v.ok) await p.rollback(r.previous);
 */
import * as path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  noopProvisionContext,
  sumTiers,
  type ApplyResult,
  type CapacityPlan,
  type CapacityState,
  type ProvisionContext,
  type Provisioner,
  type TierReplicas,
  type VerifyResult,
} from '../contract';
import { ProvisionError } from '../errors';
import { cliEnv, type PulumiPaths } from '../pulumi/env';
import { serviceStack, type PulumiStackOptions } from '../pulumi/service-stack';
import { requireAwsPlugin } from './plugin';
import { readJournal, writeJournal } from '../pulumi/stack-journal';
import { rootOutputs } from '../pulumi/stack-state';
import { AwsSpecError, validateAwsSpec, type AwsServiceSpec } from '../../pulumi/aws/spec';
import { groupTiers, type TierGroup } from '../../pulumi/aws/tiers';
import { waitForInService, type GroupStatus } from '../../cloud/aws/asg-status';
import { abortError, changesOf } from '../../cloud/abortable-sleep';
import { pulumiUpSpan } from '../pulumi/span';

/** Region → client; tests point clients at a recorded server. */
export type AutoScalingClientFactory = (region: string) => AutoScalingClient;

export interface PulumiAwsOptions extends PulumiStackOptions {
  spec: AwsServiceSpec;
  /** The spec for another instance template version (vertical scaling: apply and roll back by version). */
  specForTemplate?: (version: number) => AwsServiceSpec;
  autoScaling?: AutoScalingClientFactory;
  /** Verification deadline (default 600000 ms: EC2 instances take minutes to pass health checks). */
  verifyTimeoutMs?: number;
  /** DescribeAutoScalingGroups poll interval while verifying (default 15000 ms). */
  verifyPollMs?: number;
}

export interface PulumiAwsProvisioner extends Provisioner {
  readonly kind: 'pulumi-aws';
  readonly paths: PulumiPaths;
  /** The groups a plan maps to (validated against the spec). */
  groups(plan: CapacityPlan): TierGroup[];
  /** `pulumi destroy` of the service stack (deletes its groups and templates) and removal of the stack. */
  destroy(service: string, ctx?: ProvisionContext): Promise<void>;
}

/**
 * The program module loads `@pulumi/aws` (~0.7 s here): only processes that run the engine pay for
 * it, not every worker or CLI that merely verifies or reads the current state.
 */
function programModule(): Promise<typeof import('../../pulumi/aws/program')> {
  return import('../../pulumi/aws/program');
}

function sameTiers(a: TierReplicas, b: TierReplicas): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0)) && Object.keys(a).length === Object.keys(b).length;
}

export function createPulumiAwsProvisioner(options: PulumiAwsOptions): PulumiAwsProvisioner {
  let spec: AwsServiceSpec;
  try {
    spec = validateAwsSpec(options.spec);
  } catch (err) {
    throw new ProvisionError((err as Error).message, false);
  }
  const verifyTimeoutMs = options.verifyTimeoutMs ?? 600_000;
  const verifyPollMs = options.verifyPollMs ?? 15_000;
  const log = options.log ?? (() => undefined);
  const clients = new Map<string, AutoScalingClient>();
  const autoScaling = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = options.autoScaling ? options.autoScaling(region) : new AutoScalingClient({ region });
      clients.set(region, c);
    }
    return c;
  };
  const stack = serviceStack(options, {
    projectName: options.projectName ?? 'kinetic-aws',
    stackName: spec.service,
    tag: 'pulumi-aws',
    program: async () => (await programModule()).tieredAsgProgramFromConfig(spec),
    beforeRun: () => ensurePlugin(),
  });
  const { paths, backend, projectName, checkpoint } = stack;
  const journalFile = path.join(paths.workRoot, spec.service, 'decisions.json');
  const specFor = (version: number | undefined): AwsServiceSpec => {
    if (version === undefined || !options.specForTemplate) return spec;
    try {
      return validateAwsSpec(options.specForTemplate(version));
    } catch (err) {
      throw new ProvisionError((err as Error).message, false);
    }
  };

  function checkService(service: string): void {
    if (service !== spec.service) {
      throw new ProvisionError(`pulumi-aws was configured for service "${spec.service}" but was asked about "${service}"; create one provisioner per service`, false);
    }
  }

  function groupsOf(plan: CapacityPlan): TierGroup[] {
    checkService(plan.service);
    try {
      return groupTiers(spec, plan.tiers);
    } catch (err) {
      if (err instanceof AwsSpecError) throw new ProvisionError(err.message, false);
      throw err;
    }
  }

  function ensurePlugin(): void {
    const env = cliEnv(paths);
    requireAwsPlugin({ pulumiHome: paths.pulumiHome, pulumiBin: paths.pulumiBin, pathEnv: env.PATH });
  }

  /** State from the stack outputs: the tiers of the last applied plan. */
  function stateFromOutputs(outputs: Record<string, unknown> | undefined): CapacityState {
    const tiers = { ...((outputs?.tiers ?? {}) as TierReplicas) };
    return {
      service: spec.service,
      tiers,
      total: sumTiers(tiers),
      details: {
        provisioner: 'pulumi-aws',
        stackExists: outputs !== undefined,
        decisionId: String(outputs?.decisionId ?? ''),
        asgNames: outputs?.asgNames ?? {},
        groups: outputs?.groups ?? {},
      },
    };
  }

  const provisioner: PulumiAwsProvisioner = {
    kind: 'pulumi-aws',
    paths,

    groups: groupsOf,

    async current(service) {
      checkService(service);
      return stateFromOutputs(rootOutputs(await checkpoint()));
    },

    async preview(plan) {
      groupsOf(plan);
      ensurePlugin();
      const program = (await programModule()).tieredAsgProgram(specFor(plan.templateVersion), plan.tiers, plan.decisionId);
      const res = await stack.locked('preview', noopProvisionContext, (s) => s.preview({ program, onOutput: options.onOutput }));
      const changes = changesOf(res.changeSummary as Record<string, number>);
      const from = stateFromOutputs(rootOutputs(await checkpoint())).tiers;
      return {
        changes,
        summary: changes === 0 ? `no changes (${spec.service})` : `${spec.service}: ${JSON.stringify(from)} → ${JSON.stringify(plan.tiers)}; engine ${JSON.stringify(res.changeSummary)}`,
      };
    },

    async apply(plan, ctx = noopProvisionContext) {
      groupsOf(plan);
      ensurePlugin();
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const t0 = Date.now();
      const program = (await programModule()).tieredAsgProgram(specFor(plan.templateVersion), plan.tiers, plan.decisionId);
      let previous: CapacityState | undefined;
      const outcome = await stack.locked('up', ctx, async (s) => {
        const journal = await readJournal(backend, projectName, spec.service, journalFile);
        let entry = journal.find((j) => j.decisionId === plan.decisionId);
        const before = stateFromOutputs(rootOutputs(await checkpoint()));
        if (!entry) {
          entry = { decisionId: plan.decisionId, previous: before, at: new Date().toISOString() };
          await writeJournal(backend, projectName, spec.service, [...journal, entry]);
        }
        previous = entry.previous;
        if (before.details?.decisionId === plan.decisionId && sameTiers(before.tiers, plan.tiers)) return undefined; // a retry after success
        await s.setAllConfig({ 'kinetic:tiers': { value: JSON.stringify(plan.tiers) }, 'kinetic:decisionId': { value: plan.decisionId } });
        if (ctx.signal?.aborted) throw abortError(ctx.signal);
        ctx.heartbeat({ op: 'up', service: spec.service, stage: 'starting' });
        return pulumiUpSpan(spec.service, plan.decisionId, () => s.up({ program, onEvent: stack.onEvent('up', ctx), onOutput: options.onOutput, signal: ctx.signal }));
      });
      const applied = outcome ? stateFromOutputs(Object.fromEntries(Object.entries(outcome.outputs).map(([k, v]) => [k, v.value]))) : stateFromOutputs(rootOutputs(await checkpoint()));
      const changed = outcome ? changesOf(outcome.summary.resourceChanges as Record<string, number> | undefined) > 0 : false;
      const summary = `${spec.service}: ${JSON.stringify(previous!.tiers)} → ${JSON.stringify(applied.tiers)}; ${
        outcome ? `engine ${JSON.stringify(outcome.summary.resourceChanges ?? {})}` : 'already applied'
      } in ${Date.now() - t0} ms`;
      log(`[pulumi-aws] apply ${plan.decisionId}: ${summary}`);
      return { applied, previous: previous!, changed, summary } satisfies ApplyResult;
    },

    async rollback(previous, ctx = noopProvisionContext) {
      const plan: CapacityPlan = {
        decisionId: `rollback:${String(previous.details?.decisionId ?? '')}:${JSON.stringify(previous.tiers)}`,
        service: previous.service,
        tiers: previous.tiers,
        total: sumTiers(previous.tiers),
        // A rolled-back vertical change goes back to the template the fleet ran before.
        templateVersion: previous.templateVersion,
      };
      return (await provisioner.apply(plan, ctx)).applied;
    },

    async verify(plan, ctx = noopProvisionContext) {
      const groups = groupsOf(plan);
      const byRegion = new Map<string, Record<string, number>>();
      for (const g of groups) byRegion.set(g.region, { ...byRegion.get(g.region), [g.asgName]: g.desired });
      const results = await Promise.all(
        [...byRegion].map(async ([region, expected]) => {
          const r = await waitForInService(autoScaling(region), expected, {
            timeoutMs: verifyTimeoutMs,
            pollMs: verifyPollMs,
            signal: ctx.signal,
            heartbeat: (d) => ctx.heartbeat({ region, ...(d as object) }),
          });
          return { region, ...r };
        }),
      );
      const reasons = results.flatMap((r) => r.reasons.map((line) => `${r.region}: ${line}`));
      const healthy = results.reduce((a, r) => a + r.healthy, 0);
      const expected = groups.reduce((a, g) => a + g.desired, 0);
      const statuses: Record<string, GroupStatus> = {};
      for (const r of results) for (const [name, s] of Object.entries(r.groups)) statuses[`${r.region}/${name}`] = s;
      log(`[pulumi-aws] verify ${plan.decisionId}: ${healthy}/${expected} InService${reasons.length ? `; ${reasons.join('; ')}` : ''}`);
      return { ok: reasons.length === 0, expected, healthy, reasons, groups: statuses } satisfies VerifyResult & { groups: Record<string, GroupStatus> };
    },

    async destroy(service, ctx = noopProvisionContext) {
      checkService(service);
      await stack.destroy(ctx);
    },
  };
  return provisioner;
}

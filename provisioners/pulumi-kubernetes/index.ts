/**
 * Provisioner `pulumi-kubernetes`: scales one Deployment or StatefulSet through the Pulumi
 * Automation API and @pulumi/kubernetes (program.ts), on the shared Pulumi plumbing
 * (provisioners/pulumi: workspace env, stack locks, journal, plugin lookup).
 *
 * - mode `replicas`: Kinetic owns spec.replicas (server-side apply, its own field manager);
 *   mode `hpa-floor`: Kinetic owns the HPA's spec.minReplicas, the HPA scales above it.
 * - current() and verify() read the API server (api.ts), not Pulumi state: manual edits and HPA
 *   activity are seen, and a difference from Kinetic's last apply is reported as `details.drift`.
 * - apply journals the live state before a decision's first attempt (a retry returns the same
 *   `previous`) and skips the engine when the plan is already live; rollback applies `previous`.
 * - A field owned by another manager is a non-retryable `FieldManagerConflict` naming the owner.
 * - A plan's templateVersion sets one container's requests/limits (and the Deployment's RollingUpdate
 *   bounds) from the versioned templates: the pods roll; rollback returns to the previous version.
 *
 * Usage:
 *   const p = createPulumiKubernetesProvisioner({ rootDir, target, kubeconfig });
 *   const r = await p.apply({ decisionId: 'd1', service: 'web', tiers: { default: 5 }, total: 5 });
 *   if (!(await p.verify(plan)).ok) await p.rollback(r.previous);
 */
import * as path from 'node:path';
import { noopProvisionContext, type ApplyResult, type CapacityPlan, type CapacityState, type ProvisionContext, type Provisioner, type VerifyResult } from '../contract';
import { ProvisionError } from '../errors';
import { cliEnv, type PulumiPaths } from '../pulumi/env';
import { pulumiUpSpan } from '../pulumi/span';
import { linkOntoPath, requirePlugin } from '../pulumi/plugin';
import { serviceStack, type PulumiStackOptions } from '../pulumi/service-stack';
import { readJournal, writeJournal } from '../pulumi/stack-journal';
import { rootOutputs } from '../pulumi/stack-state';
import { abortError, changesOf } from '../../cloud/abortable-sleep';
import { KubeApi } from './api';
import { loadClusterAccess } from './kubeconfig';
import { validateTarget, type KubernetesTarget } from './spec';
import { waitForReady } from './verify';
import { readHpa, readWorkload } from './workload';
import type { ConfigTemplate } from '../../planning/vertical';

export interface PulumiKubernetesOptions extends PulumiStackOptions {
  target: KubernetesTarget;
  /** Kubeconfig file (default $KUBECONFIG, then ~/.kube/config) and context (default its current-context). */
  kubeconfig?: string;
  context?: string;
  /** The service's versioned templates: a plan's templateVersion sets the container's requests/limits. */
  templates?: ConfigTemplate[];
  /** Verification deadline (default 300000 ms) and API poll interval (default 2000 ms). */
  verifyTimeoutMs?: number;
  verifyPollMs?: number;
}

export interface PulumiKubernetesProvisioner extends Provisioner {
  readonly kind: 'pulumi-kubernetes';
  readonly paths: PulumiPaths;
  /** `pulumi destroy` of the stack (releases Kinetic's field; the workload stays) and removal of the stack. */
  destroy(service: string, ctx?: ProvisionContext): Promise<void>;
  close(): void;
}

/** The plugin version @pulumi/kubernetes asks the engine for. */
export function kubernetesPluginVersion(): string {
  return (require('@pulumi/kubernetes/package.json') as { version: string }).version;
}

const CONFLICT = /Server-Side Apply field conflict|conflicts? with "([^"]+)"|Apply failed with \d+ conflicts?/i;

/** The provider's SSA conflict, named, with the manager that owns the field and the way out. */
function conflictError(t: KubernetesTarget, err: Error): ProvisionError | undefined {
  const text = `${err.message}\n${(err as { stderr?: string }).stderr ?? ''}`;
  if (!CONFLICT.test(text)) return undefined;
  const owner = /conflicts? with "([^"]+)"/i.exec(text)?.[1] ?? 'another field manager';
  const detail = /Apply failed with[^\n]*(\n- [^\n]*)*/.exec(text)?.[0].replace(/\s+/g, ' ');
  const podField = /\.spec\.(template|strategy)[^\s"]*/.exec(text)?.[0];
  const field = podField
    ? `${t.kind} ${t.namespace}/${t.name} ${podField.slice(1)}`
    : t.mode === 'replicas'
      ? `${t.kind} ${t.namespace}/${t.name} spec.replicas`
      : `HorizontalPodAutoscaler ${t.namespace}/${t.hpa} spec.minReplicas`;
  return new ProvisionError(
    `FieldManagerConflict: ${field} is owned by "${owner}", not by Kinetic's field manager "${t.fieldManager}"; ` +
      `remove that field from the other manager's configuration (e.g. drop replicas from the manifest when Kinetic or an HPA scales it, ` +
      `or the container's resources when Kinetic's templates set them) or use mode hpa-floor${detail ? ` (API server: ${detail})` : ''}`,
    false,
    'FieldManagerConflict',
  );
}

export function createPulumiKubernetesProvisioner(options: PulumiKubernetesOptions): PulumiKubernetesProvisioner {
  const target = validateTarget(options.target);
  const access = loadClusterAccess(options.kubeconfig, options.context);
  const api = new KubeApi(access);
  const log = options.log ?? (() => undefined);
  const stack = serviceStack(options, {
    projectName: options.projectName ?? 'kinetic-kubernetes',
    stackName: target.service,
    tag: 'pulumi-kubernetes',
    program: async () => async () => ({}),
    beforeRun: () => {
      const { pulumiHome, pulumiBin, shimDir } = stack.paths;
      const found = requirePlugin('kubernetes', kubernetesPluginVersion(), { pulumiHome, pulumiBin, pathEnv: cliEnv(stack.paths).PATH }, 'Build it with KINETIC_TOOLS=pulumi-kubernetes npm run toolchain.');
      if (!found.startsWith(path.join(pulumiHome, 'plugins'))) linkOntoPath(found, shimDir);
    },
  });
  const { backend, projectName, checkpoint } = stack;

  /** The template a plan names; a version the config does not declare is a non-retryable error. */
  function templateOf(version: number | undefined): ConfigTemplate | undefined {
    if (version === undefined) return undefined;
    const found = options.templates?.find((x) => x.version === version);
    if (!found?.resources) {
      const known = (options.templates ?? []).filter((x) => x.resources).map((x) => x.version);
      throw new ProvisionError(
        `templates: the plan asks for template v${version} but services.${target.service}.templates has no such template with resources (declared: ${known.join(', ') || 'none'}); add it back to roll to or from it`,
        false,
      );
    }
    return found;
  }

  function checkService(service: string): void {
    if (service !== target.service) {
      throw new ProvisionError(`pulumi-kubernetes was configured for service "${target.service}" but was asked about "${service}"; create one provisioner per service`, false);
    }
  }

  /** Live state: the count Kinetic controls (spec.replicas, or the HPA floor) and what runs. */
  async function live(): Promise<CapacityState> {
    const w = await readWorkload(api, target);
    const hpa = target.mode === 'hpa-floor' ? await readHpa(api, target) : undefined;
    const total = hpa ? hpa.minReplicas : w.replicas;
    const last = rootOutputs(await checkpoint());
    const lastReplicas = typeof last?.replicas === 'number' ? last.replicas : undefined;
    const templateVersion = typeof last?.templateVersion === 'number' ? last.templateVersion : undefined;
    const drift =
      lastReplicas !== undefined && lastReplicas !== total
        ? `${target.mode === 'replicas' ? 'spec.replicas' : 'HPA minReplicas'} is ${total} in the cluster but Kinetic last applied ${lastReplicas} (decision ${String(last?.decisionId)}): changed outside Kinetic`
        : undefined;
    return {
      service: target.service,
      tiers: { default: total },
      total,
      // The template Kinetic last applied (what a rollback of a later change returns to).
      ...(templateVersion !== undefined ? { templateVersion } : {}),
      details: {
        provisioner: 'pulumi-kubernetes',
        mode: target.mode,
        workload: `${target.kind} ${target.namespace}/${target.name}`,
        replicas: w.replicas,
        readyReplicas: w.readyReplicas,
        ...(hpa ? { hpa: { name: target.hpa, ...hpa } } : {}),
        ...(w.replicasOwner ? { replicasOwner: w.replicasOwner } : {}),
        ...(w.resources[target.container ?? target.name] ? { resources: w.resources[target.container ?? target.name] } : {}),
        decisionId: String(last?.decisionId ?? ''),
        ...(drift ? { drift } : {}),
      },
    };
  }

  const provisioner: PulumiKubernetesProvisioner = {
    kind: 'pulumi-kubernetes',
    paths: stack.paths,

    async current(service) {
      checkService(service);
      return live();
    },

    async preview(plan) {
      checkService(plan.service);
      const now = await live();
      templateOf(plan.templateVersion);
      const vertical = plan.templateVersion !== undefined && plan.templateVersion !== now.templateVersion;
      const changes = (now.total === plan.total ? 0 : 1) + (vertical ? 1 : 0);
      const what = [now.total !== plan.total ? `${now.total} → ${plan.total} (${target.mode})` : '', vertical ? `template v${now.templateVersion ?? '-'} → v${plan.templateVersion}` : ''].filter(Boolean);
      return { changes, summary: changes === 0 ? `no changes (${target.service})` : `${target.service}: ${what.join(', ')}` };
    },

    async apply(plan, ctx = noopProvisionContext) {
      checkService(plan.service);
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      const template = templateOf(plan.templateVersion);
      const t0 = Date.now();
      let previous: CapacityState | undefined;
      let engineMs = 0;
      const outcome = await stack.locked('up', ctx, async (s) => {
        const journal = await readJournal(backend, projectName, target.service);
        let entry = journal.find((j) => j.decisionId === plan.decisionId);
        const before = await live();
        if (!entry) {
          entry = { decisionId: plan.decisionId, previous: before, at: new Date().toISOString() };
          await writeJournal(backend, projectName, target.service, [...journal, entry]);
        }
        previous = entry.previous;
        // A retry after success (or a plan already live with this decision's stack): no engine run.
        if (before.total === plan.total && before.templateVersion === plan.templateVersion && before.details?.decisionId === plan.decisionId && !before.details?.drift) return undefined;
        const program = (await import('./program')).workloadProgram({ target, kubeconfig: access.file, context: access.context, replicas: plan.total, decisionId: plan.decisionId, template });
        // (@pulumi/kubernetes loads only in processes that run the engine.)
        ctx.heartbeat({ op: 'up', service: target.service, stage: 'starting' });
        const e0 = Date.now();
        try {
          // refresh: the live field may have been changed outside Kinetic since the last update.
          return await pulumiUpSpan(target.service, plan.decisionId, () =>
            s.up({ program, refresh: before.details?.drift !== undefined, onEvent: stack.onEvent('up', ctx), onOutput: options.onOutput, signal: ctx.signal }),
          );
        } catch (err) {
          throw conflictError(target, err as Error) ?? err;
        } finally {
          engineMs = Date.now() - e0;
        }
      });
      const applied = await live();
      const changed = outcome ? changesOf(outcome.summary.resourceChanges as Record<string, number> | undefined) > 0 : false;
      const templates = previous!.templateVersion !== applied.templateVersion ? `, template v${previous!.templateVersion ?? '-'} → v${applied.templateVersion ?? '-'}` : '';
      const summary = `${target.service}: ${previous!.total} → ${applied.total}${templates} (${target.mode}, ${target.kind} ${target.namespace}/${target.name}); ${
        outcome ? `engine ${JSON.stringify(outcome.summary.resourceChanges ?? {})} in ${engineMs} ms` : 'already applied'
      }, ${Date.now() - t0} ms in all`;
      log(`[pulumi-kubernetes] apply ${plan.decisionId}: ${summary}`);
      return { applied: { ...applied, details: { ...applied.details, engineMs } }, previous: previous!, changed, summary } satisfies ApplyResult;
    },

    async rollback(previous, ctx = noopProvisionContext) {
      const plan: CapacityPlan = {
        decisionId: `rollback:${String(previous.details?.decisionId ?? '')}:${previous.total}:v${previous.templateVersion ?? '-'}`,
        service: previous.service,
        tiers: { default: previous.total },
        total: previous.total,
        // A rolled-back vertical change returns the containers to the template they ran before.
        templateVersion: previous.templateVersion,
      };
      return (await provisioner.apply(plan, ctx)).applied;
    },

    async verify(plan, ctx = noopProvisionContext): Promise<VerifyResult> {
      checkService(plan.service);
      const r = await waitForReady(api, target, plan.total, {
        timeoutMs: options.verifyTimeoutMs ?? 300_000,
        pollMs: options.verifyPollMs ?? 2_000,
        signal: ctx.signal,
        heartbeat: (d) => ctx.heartbeat(d),
      });
      log(`[pulumi-kubernetes] verify ${plan.decisionId}: ${r.healthy}/${r.expected} Ready${r.reasons.length ? `; ${r.reasons.join('; ')}` : ''}`);
      return r;
    },

    async destroy(service, ctx = noopProvisionContext) {
      checkService(service);
      await stack.destroy(ctx);
    },

    close() {
      api.close();
    },
  };
  return provisioner;
}

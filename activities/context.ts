import type { ActivityDeps } from './deps';
import { leadTime } from '../planning/lead-time';
import { policyConfig, tieredSpec } from './planning-spec';
import type { DecisionContext } from '../decision/context';
import { tierId } from '../planning/allocation';
import { budgetRootOf } from './budget-roots';
import { anomalyContext } from './anomaly-history';
import { authSettingsOf } from './auth';

/** Reads the service's config, current capacity and decision history into one snapshot. */
export function contextActivities(deps: ActivityDeps) {
  return {
    async loadDecisionContext(input: { decisionId: string; service: string }): Promise<DecisionContext> {
      const cfg = deps.config();
      const svc = deps.service(input.service);
      const current = await deps.provisioner(input.service).current(input.service);
      const history = (await deps.ledger().forService(input.service)).filter((r) => r.id !== input.decisionId);
      const committed = history.filter((r) => r.outcome === 'committed' && r.finishedAt);
      const last = committed[committed.length - 1];
      const lastScaleIn = committed.filter((r) => r.plan?.direction === 'in').pop();
      const applied = [...committed].reverse().find((r) => r.plan?.templateVersion !== undefined)?.plan?.templateVersion;
      const templates = svc.templates;
      const bootSamples = committed
        .filter((r) => r.plan?.direction === 'out' && r.timings.provision && r.timings.commit)
        .map((r) => (Date.parse(r.timings.commit) - Date.parse(r.timings.provision)) / 1000);
      const lead = leadTime(svc.leadTime, bootSamples, svc.capacity?.leadTimeFrom === 'measured');
      const active = svc.activeTemplate ?? templates?.[templates.length - 1]?.version;
      const maxWindow = Math.max(svc.scaleInStabilization, svc.cooldown) * 1000;
      const recentRecommendations = history
        .filter((r) => r.plan && !r.dryRun && r.finishedAt)
        .map((r) => ({ at: Date.parse(r.startedAt), target: r.plan!.to }))
        .filter((r) => r.at >= Date.now() - maxWindow);
      return {
        service: input.service,
        provisioner: svc.provisioner.type,
        metric: svc.metrics.metric,
        capacityPerInstance: svc.capacityPerInstance,
        targetUtilization: svc.targetUtilization,
        minInstances: svc.minInstances,
        maxInstances: svc.maxInstances,
        leadSeconds: lead.seconds,
        leadNote: lead.note,
        intervalSeconds: svc.decisionInterval,
        cooldownSeconds: svc.cooldown,
        scaleInStabilizationSeconds: svc.scaleInStabilization,
        maxStepChange: svc.maxStepChange,
        hourlyPerInstance: svc.pricing?.hourlyPerInstance ?? 0,
        budgetPool: svc.budget.pool ?? input.service,
        monthlyBudget: svc.budget.monthly,
        approval: {
          autoApprove: svc.approval.autoApprove,
          approvers: svc.approval.approvers,
          timeoutSeconds: svc.approval.timeout,
          maxPlanAgeSeconds: svc.approval.maxPlanAge,
          required: svc.approval.required,
          allowSelfApproval: svc.approval.allowSelfApproval,
        },
        auth: authSettingsOf(cfg.auth),
        current,
        lastCommittedAt: last?.finishedAt ? Date.parse(last.finishedAt) : undefined,
        lastCommittedId: last?.id,
        recentRecommendations,
        lastScaleInAt: lastScaleIn?.finishedAt ? Date.parse(lastScaleIn.finishedAt) : undefined,
        tiered: tieredSpec(deps.config(), input.service, svc),
        policy: policyConfig(svc),
        budget: { onExceed: svc.budget.onExceed, project: svc.budget.project, tags: svc.budget.tags ?? {} },
        template: templates && active !== undefined ? { templates, active, applied } : undefined,
        recorded: {
          budgetRoot: budgetRootOf(cfg, input.service),
          provisioner: {
            config: svc.provisioner,
            stateRoot: cfg.stateRoot,
            minInstances: svc.minInstances,
            initialTiers: svc.pools ? Object.fromEntries(svc.pools.map((p) => [tierId(p), p.min])) : undefined,
            activeTemplate: svc.activeTemplate,
            // pulumi-aws derives its spec from the service; pulumi-kubernetes needs its templates (rollback of a vertical change).
            serviceConfig: svc.provisioner.type === 'pulumi-aws' || svc.provisioner.type === 'pulumi-kubernetes' ? svc : undefined,
          },
          alertsWebhook: cfg.budgets?.alerts.webhook,
          audit: { state: cfg.state, stateRoot: cfg.stateRoot },
        },
        anomaly: anomalyContext(svc.approval.anomaly, history, Date.now()),
      };
    },
  };
}

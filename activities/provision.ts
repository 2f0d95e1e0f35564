import { Context } from '@temporalio/activity';
import type { CapacityState, ProvisionContext, PreviewResult, VerifyResult } from '../provisioners/contract';
import { toCapacityPlan, type PlanSummary } from '../decision/plan';
import type { ProvisionSummary } from '../decision/record';
import type { ProvisionerSettings } from '../decision/context';
import type { ActivityDeps } from './deps';
import { ATTR } from '../observability/decision-attributes';
import { withSpan } from '../observability/spans';
import { heartbeatEvery } from '../provisioners/heartbeat-period';

/** Provisioning through the service's Provisioner; heartbeats keep long applies alive and cancellable. */
function provisionContext(): ProvisionContext {
  const ctx = Context.current();
  const i = ctx.info;
  return {
    heartbeat: (d) => ctx.heartbeat(d),
    signal: ctx.cancellationSignal,
    // Which attempt this is: how a Pulumi stack lock left by an earlier attempt on another host is judged.
    activity: i.workflowExecution && {
      workflowId: i.workflowExecution.workflowId,
      runId: i.workflowExecution.runId,
      activityId: i.activityId,
      activityType: i.activityType,
      attempt: i.attempt,
      heartbeatTimeoutMs: i.heartbeatTimeoutMs,
    },
  };
}

/** Verification's own beat, whatever the provisioner sends (its beats can be seconds apart: reading stack outputs, polling a balancer). */
const VERIFY_BEAT_MS = 5_000;

/**
 * Runs `fn` while beating on a timer: the verify step's heartbeat timeout is the decision's
 * `heartbeatSeconds`, so a worker that dies (or whose completion is lost) mid-verification is
 * noticed within it, not at the step's whole timeout.
 */
async function beating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const every = heartbeatEvery(VERIFY_BEAT_MS, ctx.info.heartbeatTimeoutMs);
  const started = Date.now();
  const timer = setInterval(() => ctx.heartbeat({ op: 'verify', elapsedMs: Date.now() - started }), every);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function spanAttrs(input: { decisionId?: string; service: string }, provisioner: string) {
  return { [ATTR.service]: input.service, [ATTR.provisioner]: provisioner, ...(input.decisionId ? { [ATTR.decisionId]: input.decisionId } : {}) };
}

export function provisionActivities(deps: ActivityDeps) {
  /** The provisioner the decision recorded at its start when given (no config read), else the config's. */
  const provisionerOf = (input: { service: string; provisioner?: ProvisionerSettings }) =>
    input.provisioner ? deps.provisionerFrom(input.service, input.provisioner) : deps.provisioner(input.service);
  return {
    async previewCapacity(input: { decisionId: string; service: string; plan: PlanSummary }): Promise<PreviewResult> {
      return deps.provisioner(input.service).preview(toCapacityPlan(input.decisionId, input.service, input.plan));
    },
    async applyCapacity(input: { decisionId: string; service: string; plan: PlanSummary; provisioner?: ProvisionerSettings }): Promise<ProvisionSummary> {
      const p = provisionerOf(input);
      // Traced: the provisioner's apply (a Pulumi provisioner's `pulumi up` inside it) is a child of this activity's span.
      return withSpan('provision.apply', { ...spanAttrs(input, p.kind), 'kinetic.plan.to': input.plan.to }, async (span) => {
        const res = await p.apply(toCapacityPlan(input.decisionId, input.service, input.plan), provisionContext());
        span.setAttributes({ 'kinetic.provision.changed': res.changed, 'kinetic.capacity.applied': res.applied.total });
        return { provisioner: p.kind, changed: res.changed, summary: res.summary, before: res.previous, after: res.applied };
      });
    },
    async verifyCapacity(input: { decisionId: string; service: string; plan: PlanSummary; provisioner?: ProvisionerSettings }): Promise<VerifyResult> {
      const p = provisionerOf(input);
      return beating(() =>
        withSpan('provision.verify', spanAttrs(input, p.kind), async (span) => {
          const res = await p.verify(toCapacityPlan(input.decisionId, input.service, input.plan), provisionContext());
          span.setAttributes({ 'kinetic.verify.ok': res.ok, 'kinetic.verify.healthy': res.healthy, 'kinetic.verify.expected': res.expected });
          return res;
        }),
      );
    },
    /** With `provisioner` (what the decision recorded at its start) kinetic.yaml is not read at all. */
    async rollbackCapacity(input: { service: string; previous: CapacityState; provisioner?: ProvisionerSettings }): Promise<CapacityState> {
      const p = provisionerOf(input);
      return withSpan('provision.rollback', { ...spanAttrs(input, p.kind), 'kinetic.capacity.previous': input.previous.total }, () => p.rollback(input.previous, provisionContext()));
    },
    /** The fleet now, through the recorded provisioner (an operator's resolution of a failed compensation). */
    async currentCapacity(input: { service: string; provisioner?: ProvisionerSettings }): Promise<CapacityState> {
      return provisionerOf(input).current(input.service);
    },
  };
}

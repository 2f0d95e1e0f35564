import { setTimeout as sleep } from 'node:timers/promises';
import { ApplyResult, CapacityPlan, CapacityState, noopProvisionContext, ProvisionContext, VerifyResult } from './contract';
import { abortError } from '../cloud/abortable-sleep';
import { DryRunOptions, DryRunProvisioner } from './dry-run';
import { ProvisionError } from './errors';

/** Faults a test can switch on; see kinetic.yaml `provisioner: { type: fault-injecting }`. */
export interface Faults {
  /** Apply moves half-way to the target, then fails without retry. */
  failApplyAfterPartial: boolean;
  /** Verification reports unhealthy members. */
  failVerify: boolean;
  /** Apply takes this long, heartbeating, so a worker can be killed mid-apply. */
  applyDelayMs: number;
  /** Rollback fails without retry and changes nothing (the saga ends `compensation-failed`). */
  failRollback?: boolean;
}

export class FaultInjectingProvisioner extends DryRunProvisioner {
  constructor(
    opts: DryRunOptions,
    private readonly faults: Faults,
  ) {
    super({ ...opts, kind: 'fault-injecting' });
  }

  override async apply(plan: CapacityPlan, ctx: ProvisionContext = noopProvisionContext): Promise<ApplyResult> {
    await this.markApplyStarted(plan);
    const end = Date.now() + this.faults.applyDelayMs;
    while (Date.now() < end) {
      ctx.heartbeat({ waiting: end - Date.now() });
      // The signal's reason (Temporal's CancelledFailure): the saga then records `cancelled`, not a failure.
      if (ctx.signal?.aborted) throw abortError(ctx.signal);
      await sleep(Math.min(200, Math.max(0, end - Date.now())));
    }
    if (this.faults.failApplyAfterPartial) {
      await this.mutate(plan.service, (f) => {
        const from = { ...f.tiers };
        const to: Record<string, number> = {};
        for (const tier of Object.keys({ ...from, ...plan.tiers })) {
          const a = from[tier] ?? 0;
          to[tier] = a + Math.trunc(((plan.tiers[tier] ?? 0) - a) / 2);
        }
        f.history.push({ decisionId: plan.decisionId, kind: 'partial', from, to, at: new Date().toISOString() });
        f.tiers = to;
      });
      throw new ProvisionError('injected fault: apply failed after a partial change', false);
    }
    return super.apply(plan, ctx);
  }

  override async rollback(previous: CapacityState): Promise<CapacityState> {
    if (this.faults.failRollback) throw new ProvisionError('injected fault: rollback failed', false);
    return super.rollback(previous);
  }

  override async verify(plan: CapacityPlan): Promise<VerifyResult> {
    if (this.faults.failVerify) {
      return { ok: false, expected: plan.total, healthy: 0, reasons: ['injected fault: no member answered /healthz'] };
    }
    return super.verify(plan);
  }
}

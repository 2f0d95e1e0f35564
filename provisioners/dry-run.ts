import { join } from 'node:path';
import { withFileLock } from '../store/file-lock';
import { readJson, writeJsonAtomic } from '../store/json-file';
import {
  ApplyResult,
  CapacityPlan,
  CapacityState,
  noopProvisionContext,
  PreviewResult,
  ProvisionContext,
  Provisioner,
  sumTiers,
  TierReplicas,
  VerifyResult,
} from './contract';

/**
 * The dry-run provisioner keeps the fleet in a JSON file: nothing real changes, but every
 * apply/rollback is recorded, so tests can count changes and the demo can show a fleet.
 */

export interface FleetChange {
  decisionId: string;
  kind: 'apply' | 'rollback' | 'partial';
  from: TierReplicas;
  to: TierReplicas;
  at: string;
}

export interface FleetFile {
  service: string;
  tiers: TierReplicas;
  /** Instance template version the fleet runs (vertical scaling), when plans name one. */
  templateVersion?: number;
  /** Decision whose apply produced the current tiers (idempotency key). */
  lastDecisionId?: string;
  history: FleetChange[];
  /** Decision ids whose apply started (tests look for this to kill a worker mid-apply). */
  applyStarted: string[];
}

export interface DryRunOptions {
  stateRoot: string;
  initialInstances: number;
  /** Starting tiers of a tiered service (pool id → instances); default { default: initialInstances }. */
  initialTiers?: TierReplicas;
  kind?: string;
}

export class DryRunProvisioner implements Provisioner {
  readonly kind: string;
  constructor(private readonly opts: DryRunOptions) {
    this.kind = opts.kind ?? 'dry-run';
  }

  fleetFile(service: string): string {
    return join(this.opts.stateRoot, 'fleet', `${service}.json`);
  }

  readFleet(service: string): FleetFile {
    return readJson<FleetFile>(this.fleetFile(service), {
      service,
      tiers: this.opts.initialTiers ? { ...this.opts.initialTiers } : { default: this.opts.initialInstances },
      history: [],
      applyStarted: [],
    });
  }

  protected mutate<T>(service: string, fn: (f: FleetFile) => T): Promise<T> {
    const file = this.fleetFile(service);
    return withFileLock(`${file}.lock`, () => {
      const fleet = this.readFleet(service);
      const out = fn(fleet);
      writeJsonAtomic(file, fleet);
      return out;
    });
  }

  protected stateOf(f: FleetFile): CapacityState {
    const state: CapacityState = { service: f.service, tiers: { ...f.tiers }, total: sumTiers(f.tiers) };
    if (f.templateVersion !== undefined) state.templateVersion = f.templateVersion;
    return state;
  }

  async current(service: string): Promise<CapacityState> {
    return this.stateOf(this.readFleet(service));
  }

  async preview(plan: CapacityPlan): Promise<PreviewResult> {
    const cur = await this.current(plan.service);
    const changes = Object.keys({ ...cur.tiers, ...plan.tiers }).filter((t) => (cur.tiers[t] ?? 0) !== (plan.tiers[t] ?? 0));
    return { changes: changes.length, summary: `would change ${cur.total} → ${plan.total} instances` };
  }

  async markApplyStarted(plan: CapacityPlan): Promise<void> {
    await this.mutate(plan.service, (f) => {
      if (!f.applyStarted.includes(plan.decisionId)) f.applyStarted.push(plan.decisionId);
    });
  }

  async apply(plan: CapacityPlan, _ctx: ProvisionContext = noopProvisionContext): Promise<ApplyResult> {
    return this.mutate(plan.service, (f) => {
      const before = this.stateOf(f);
      // A retry of the same decision finds its plan in place: report the original "previous".
      const done = f.history.find((h) => h.decisionId === plan.decisionId && h.kind === 'apply');
      if (done && sumTiers(f.tiers) === plan.total && f.lastDecisionId === plan.decisionId) {
        const previous: CapacityState = { service: plan.service, tiers: { ...done.from }, total: sumTiers(done.from) };
        return { applied: before, previous, changed: false, summary: 'already applied (retry)' };
      }
      const partial = [...f.history].reverse().find((h) => h.decisionId === plan.decisionId && h.kind === 'partial');
      const previousTiers = partial ? partial.from : { ...f.tiers };
      f.history.push({ decisionId: plan.decisionId, kind: 'apply', from: previousTiers, to: { ...plan.tiers }, at: new Date().toISOString() });
      f.tiers = { ...plan.tiers };
      if (plan.templateVersion !== undefined) f.templateVersion = plan.templateVersion;
      f.lastDecisionId = plan.decisionId;
      const previous: CapacityState = { service: plan.service, tiers: previousTiers, total: sumTiers(previousTiers) };
      return { applied: this.stateOf(f), previous, changed: true, summary: `${previous.total} → ${plan.total} instances` };
    });
  }

  async rollback(previous: CapacityState): Promise<CapacityState> {
    return this.mutate(previous.service, (f) => {
      if (sumTiers(f.tiers) !== previous.total || JSON.stringify(f.tiers) !== JSON.stringify(previous.tiers)) {
        f.history.push({ decisionId: f.lastDecisionId ?? '', kind: 'rollback', from: { ...f.tiers }, to: { ...previous.tiers }, at: new Date().toISOString() });
        f.tiers = { ...previous.tiers };
      }
      if (previous.templateVersion !== undefined) f.templateVersion = previous.templateVersion;
      return this.stateOf(f);
    });
  }

  async verify(plan: CapacityPlan): Promise<VerifyResult> {
    const cur = await this.current(plan.service);
    const off = Object.keys({ ...cur.tiers, ...plan.tiers }).filter((t) => (cur.tiers[t] ?? 0) !== (plan.tiers[t] ?? 0));
    const ok = cur.total === plan.total && off.length === 0;
    const reasons = ok ? [] : [`fleet has ${cur.total}, plan wants ${plan.total}`, ...off.map((t) => `tier ${t}: ${cur.tiers[t] ?? 0} instead of ${plan.tiers[t] ?? 0}`)];
    return { ok, expected: plan.total, healthy: cur.total, reasons };
  }
}

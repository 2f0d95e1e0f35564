/**
 * Vertical scaling: move a fleet to another versioned configuration template (bigger instance
 * types, a new compute type) by rolling replacement, never dropping below the healthy minimum.
 * Every plan carries its rollback: the current template and the plan that returns to it.
 */
import { requireCount, requireNonNegative } from './input-checks';

export interface ConfigTemplate {
  version: number;
  computeType: string;
  instanceTypes: string[];
  /** Per-instance capacity per dimension, when it differs from the compute type's. */
  capacity?: Record<string, number>;
  /** Kubernetes: container requests/limits (quantities such as "250m", "128Mi"). */
  resources?: { requests?: ResourceQuantities; limits?: ResourceQuantities };
  /** Kubernetes: RollingUpdate bounds, a pod count or a percentage ("25%"). */
  rollingUpdate?: { maxSurge: number | string; maxUnavailable: number | string };
  note?: string;
}

export interface ResourceQuantities {
  cpu?: string;
  memory?: string;
}

export interface RolloutOptions {
  /** Extra instances allowed above the replica count during the rollout, in % of replicas (rounded up). */
  maxSurgePercent: number;
  /** Instances that must stay in service, in % of replicas (rounded up). */
  minHealthyPercent: number;
}

export interface RolloutStep {
  step: number;
  /** Old instances replaced in this step. */
  replace: number;
  /** Old instances taken out before their replacements are ready (uses the unavailability budget). */
  terminateFirst: number;
  /** Fewest instances in service during the step. */
  minInService: number;
  /** Most instances running during the step (old + new). */
  peakRunning: number;
  /** Instances on the new template once the step is done. */
  newAfter: number;
}

export interface RolloutPlan {
  fromVersion: number;
  toVersion: number;
  replicas: number;
  maxSurge: number;
  minHealthy: number;
  /** Old instances replaced per step (the last step may replace fewer). */
  batchSize: number;
  steps: RolloutStep[];
  explanation: string;
}

export interface VerticalChangePlan {
  template: ConfigTemplate;
  rollout: RolloutPlan;
  rollback: { template: ConfigTemplate; rollout: RolloutPlan };
}

/** Validates the template list (unique versions, non-empty instance types) and returns `version`. */
export function selectTemplate(templates: ConfigTemplate[], version: number): ConfigTemplate {
  const seen = new Set<number>();
  for (const t of templates) {
    checkTemplate(t);
    if (seen.has(t.version)) throw new RangeError(`template version ${t.version} is defined twice; give each template its own version`);
    seen.add(t.version);
  }
  const found = templates.find((t) => t.version === version);
  if (!found) {
    const known = [...seen].sort((a, b) => a - b).join(', ') || 'none';
    throw new RangeError(`unknown template version ${version} (known: ${known}); add it to the templates or pick a known version`);
  }
  return found;
}

export function planVerticalChange(current: ConfigTemplate, next: ConfigTemplate, replicas: number, opts: RolloutOptions): VerticalChangePlan {
  checkTemplate(current);
  checkTemplate(next);
  requireCount(replicas, 'replicas');
  if (sameShape(current, next)) {
    throw new RangeError(`template ${next.version} changes nothing against ${current.version} (same compute type, instance types, capacity and container resources): nothing to roll out`);
  }
  if (current.version === next.version) {
    throw new RangeError(`templates differ but share version ${next.version}: give the new template a new version so the rollback can name the old one`);
  }
  return {
    template: next,
    rollout: planRollout(current.version, next.version, replicas, opts),
    rollback: { template: current, rollout: planRollout(next.version, current.version, replicas, opts) },
  };
}

/** Rolling replacement in the style of a Kubernetes RollingUpdate: surge rounds up, unavailability rounds down. */
export function planRollout(fromVersion: number, toVersion: number, replicas: number, opts: RolloutOptions): RolloutPlan {
  requireNonNegative(opts.maxSurgePercent, 'maxSurgePercent');
  requireNonNegative(opts.minHealthyPercent, 'minHealthyPercent');
  if (opts.minHealthyPercent > 100) throw new RangeError(`minHealthyPercent must be <= 100, got ${opts.minHealthyPercent}`);
  const maxSurge = Math.ceil((replicas * opts.maxSurgePercent) / 100 - 1e-9);
  const minHealthy = Math.min(replicas, Math.ceil((replicas * opts.minHealthyPercent) / 100 - 1e-9));
  const maxUnavailable = replicas - minHealthy;
  const batchSize = maxSurge + maxUnavailable;
  if (replicas > 0 && batchSize === 0) {
    throw new RangeError(`maxSurgePercent ${opts.maxSurgePercent} and minHealthyPercent ${opts.minHealthyPercent} allow no progress with ${replicas} replicas (surge 0, all ${minHealthy} must stay in service): raise maxSurgePercent above 0 or lower minHealthyPercent so one instance may be out`);
  }
  const steps: RolloutStep[] = [];
  let newAfter = 0;
  while (newAfter < replicas) {
    const replace = Math.min(batchSize, replicas - newAfter);
    // Surge covers as much of the batch as it can; the rest is taken out first, within the budget.
    const terminateFirst = Math.max(0, replace - maxSurge);
    steps.push({
      step: steps.length + 1,
      replace,
      terminateFirst,
      minInService: replicas - terminateFirst,
      peakRunning: replicas - terminateFirst + replace,
      newAfter: newAfter + replace,
    });
    newAfter += replace;
  }
  const explanation = replicas === 0
    ? `template ${fromVersion} → ${toVersion}: no instances to replace`
    : `template ${fromVersion} → ${toVersion}: ${replicas} instances in ${steps.length} step(s) of up to ${batchSize} ` +
      `(surge ${maxSurge}, at least ${minHealthy} in service)`;
  return { fromVersion, toVersion, replicas, maxSurge, minHealthy, batchSize, steps, explanation };
}

function checkTemplate(t: ConfigTemplate): void {
  if (!Number.isInteger(t.version) || t.version < 0) throw new RangeError(`template version must be a whole number >= 0, got ${t.version}`);
  if (!t.computeType) throw new RangeError(`template ${t.version}: computeType is empty`);
  // A Kubernetes template names container resources instead of instance types.
  if (!t.resources && (!Array.isArray(t.instanceTypes) || t.instanceTypes.length === 0)) {
    throw new RangeError(`template ${t.version}: instanceTypes is empty; list at least one instance type (or container resources for Kubernetes)`);
  }
  for (const [dim, c] of Object.entries(t.capacity ?? {})) {
    if (!Number.isFinite(c) || c <= 0) throw new RangeError(`template ${t.version}: capacity.${dim} must be a finite number > 0, got ${c}`);
  }
}

function sameShape(a: ConfigTemplate, b: ConfigTemplate): boolean {
  const cap = (t: ConfigTemplate) => JSON.stringify(Object.entries(t.capacity ?? {}).sort(([x], [y]) => (x < y ? -1 : 1)));
  return (
    a.computeType === b.computeType &&
    a.instanceTypes.join(',') === b.instanceTypes.join(',') &&
    cap(a) === cap(b) &&
    JSON.stringify(a.resources ?? {}) === JSON.stringify(b.resources ?? {})
  );
}

/** "c6i.xlarge, c6a.xlarge", or a Kubernetes template's "requests cpu 250m memory 128Mi; limits cpu 500m". */
export function describeTemplate(t: ConfigTemplate): string {
  if (!t.resources) return t.instanceTypes.join(', ');
  const list = (name: string, q?: ResourceQuantities) =>
    q && (q.cpu || q.memory) ? `${name}${q.cpu ? ` cpu ${q.cpu}` : ''}${q.memory ? ` memory ${q.memory}` : ''}` : undefined;
  return [list('requests', t.resources.requests), list('limits', t.resources.limits)].filter(Boolean).join('; ') || 'no container resources';
}

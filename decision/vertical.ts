import { describeTemplate, planVerticalChange, selectTemplate, type ConfigTemplate, type RolloutOptions } from '../planning/vertical';
import type { DecisionContext } from './context';
import type { PlanSummary } from './plan';

/** Rolling replacement bounds: one extra instance in four during the change, never below 90% serving. */
const ROLLOUT = { maxSurgePercent: 25, minHealthyPercent: 90 };

/** A Kubernetes template's RollingUpdate bounds (counts or "25%") as the planner's percentages. */
function rolloutOf(t: ConfigTemplate, replicas: number): RolloutOptions {
  if (!t.rollingUpdate) return ROLLOUT;
  const pct = (v: number | string) => (typeof v === 'string' ? Number(v.replace('%', '')) : (100 * v) / replicas);
  return { maxSurgePercent: pct(t.rollingUpdate.maxSurge), minHealthyPercent: Math.max(0, 100 - pct(t.rollingUpdate.maxUnavailable)) };
}

/**
 * Adds the instance template to a plan: the version it runs and, when that differs from the version
 * last applied, the rolling replacement (and its rollback) that gets there.
 */
export function planVertical(c: DecisionContext, plan: PlanSummary): PlanSummary {
  if (!c.template) return plan;
  const { templates, active, applied } = c.template;
  const next = selectTemplate(templates, active);
  if (applied === undefined || applied === active) return { ...plan, templateVersion: active };
  const replicas = Math.max(plan.to, 1);
  const change = planVerticalChange(selectTemplate(templates, applied), next, replicas, rolloutOf(next, replicas));
  return {
    ...plan,
    templateVersion: active,
    vertical: {
      fromVersion: applied,
      toVersion: active,
      instanceTypes: next.instanceTypes,
      batches: change.rollout.steps.map((s) => s.replace),
      rollbackVersion: change.rollback.template.version,
      summary: `template v${applied} → v${active} (${describeTemplate(next)}): ${change.rollout.explanation}`,
    },
  };
}

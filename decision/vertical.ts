import { planVerticalChange, selectTemplate } from '../planning/vertical';
import type { DecisionContext } from './context';
import type { PlanSummary } from './plan';

/** Rolling replacement bounds: one extra instance in four during the change, never below 90% serving. */
const ROLLOUT = { maxSurgePercent: 25, minHealthyPercent: 90 };

/**
 * Adds the instance template to a plan: the version it runs and, when that differs from the version
 * last applied, the rolling replacement (and its rollback) that gets there.
 */
export function planVertical(c: DecisionContext, plan: PlanSummary): PlanSummary {
  if (!c.template) return plan;
  const { templates, active, applied } = c.template;
  const next = selectTemplate(templates, active);
  if (applied === undefined || applied === active) return { ...plan, templateVersion: active };
  const change = planVerticalChange(selectTemplate(templates, applied), next, Math.max(plan.to, 1), ROLLOUT);
  return {
    ...plan,
    templateVersion: active,
    vertical: {
      fromVersion: applied,
      toVersion: active,
      instanceTypes: next.instanceTypes,
      batches: change.rollout.steps.map((s) => s.replace),
      rollbackVersion: change.rollback.template.version,
      summary: `template v${applied} → v${active} (${next.instanceTypes.join(', ')}): ${change.rollout.explanation}`,
    },
  };
}

/** Whether a plan can be approved automatically, and why not when it cannot. */

export interface AutoApproveRules {
  maxStepChange: number;
  maxHourlyCostIncrease: number;
  allowScaleIn: boolean;
}

export interface ApprovalRequirement {
  auto: boolean;
  reasons: string[];
}

export function approvalRequirement(
  current: number,
  target: number,
  /** Hourly cost after minus before (negative for a scale-in). */
  hourlyCostDelta: number,
  rules: AutoApproveRules,
): ApprovalRequirement {
  const reasons: string[] = [];
  const change = target - current;
  if (Math.abs(change) > rules.maxStepChange) {
    reasons.push(`change of ${change} is above the auto-approve limit of ${rules.maxStepChange}`);
  }
  const costIncrease = hourlyCostDelta;
  if (costIncrease > rules.maxHourlyCostIncrease) {
    reasons.push(`cost increase of ${costIncrease.toFixed(2)}/h is above the auto-approve limit of ${rules.maxHourlyCostIncrease}/h`);
  }
  if (change < 0 && !rules.allowScaleIn) reasons.push('scale-in needs a person (autoApprove.allowScaleIn is false)');
  return { auto: reasons.length === 0, reasons };
}

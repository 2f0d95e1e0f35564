/**
 * How approval reasons add up. Import-free on purpose: the workflow calls it on results recorded
 * by older code, and everything it imports ends up in the workflow bundle.
 */

/** Whether a person must approve, and every reason why. */
export interface ApprovalRequirement {
  auto: boolean;
  reasons: string[];
}

/** The policy review's requirement plus the budget's reasons: any budget reason sends the decision to a person. */
export function withBudgetReasons(approval: ApprovalRequirement, budgetReasons: string[] | undefined): ApprovalRequirement {
  if (!budgetReasons?.length) return approval;
  return { auto: false, reasons: [...approval.reasons, ...budgetReasons] };
}

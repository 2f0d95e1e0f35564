/** The daily budget report (budget engine: every level, alerts, chargeback), run by the `budget-report` schedule. */
import { proxyActivities } from '@temporalio/workflow';
import type { DecisionActivities } from '../activities';
import type { BudgetReport } from '../activities/scheduled-budget-report';
import { NON_RETRYABLE_TYPES } from './definitions';

const acts = proxyActivities<DecisionActivities>({
  startToCloseTimeout: 60_000,
  retry: { initialInterval: 1000, backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
});

export async function budgetReport(_input: { trigger?: string } = {}): Promise<BudgetReport> {
  return acts.writeBudgetReport({ at: new Date().toISOString() });
}

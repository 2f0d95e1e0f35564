/** Messages and search attributes of the decision workflow, shared by the workflow and the client. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalRequest } from '../decision/input';
import type { DecisionRecord, DecisionStage } from '../decision/record';

export const approveUpdate = defineUpdate<DecisionRecord, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<DecisionRecord, [ApprovalRequest]>('reject');
/** An operator fixed the fleet of a `compensation-failed` decision: it settles the reservation and completes. */
export const resolveUpdate = defineUpdate<DecisionRecord, [ApprovalRequest]>('resolve');
export const currentStepQuery = defineQuery<DecisionStage>('currentStep');
export const decisionRecordQuery = defineQuery<DecisionRecord>('decisionRecord');

export const SA_SERVICE = defineSearchAttributeKey('KineticService', SearchAttributeType.KEYWORD);
export const SA_DIRECTION = defineSearchAttributeKey('KineticDirection', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('KineticOutcome', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('KineticStage', SearchAttributeType.KEYWORD);
export const SA_DECISION_ID = defineSearchAttributeKey('KineticDecisionId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [SA_SERVICE, SA_DIRECTION, SA_OUTCOME, SA_STAGE, SA_DECISION_ID];

/** `--search-attribute` flags for `temporal server start-dev`. */
export const SEARCH_ATTRIBUTE_FLAGS = SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);

/** One decision per service at a time: Temporal refuses a second run with the same workflow id. */
export function decisionWorkflowId(service: string): string {
  return `scale-${service}`;
}

export const DEFAULT_TASK_QUEUE = 'kinetic-decisions';

/** Failure types that retrying cannot fix (bad config, bad metrics, a definitive provisioning error). */
export const NON_RETRYABLE_TYPES = ['InvalidConfig', 'UnknownService', 'InvalidMetrics', 'ProvisionFailed', 'VerificationFailed'];

/**
 * Failure type of the budget commit inside a committed decision's record step (saga change
 * merged-decision-steps): the saga compensates, as when the separate commit step failed.
 */
export const BUDGET_COMMIT_FAILED = 'BudgetCommitFailed';

// Moved to decision/ (issue 11); kept as a re-export while branches in flight still import it.
export type { ApprovalRequest, DecisionInput, DecisionTimeouts, DecisionTrigger } from '../decision/input';
export type { DimensionForecast, ForecastSummary } from '../decision/forecast';
export type { Direction, PlanSummary } from '../decision/plan';
export type {
  ApprovalSummary,
  BudgetSummary,
  CompensationStep,
  DecisionOutcome,
  DecisionRecord,
  DecisionStage,
  PolicyCheckSummary,
  ProvisionSummary,
  VerificationSummary,
} from '../decision/record';

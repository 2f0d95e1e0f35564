// Moved to decision/ (issue 11); kept as a re-export while branches in flight still import it.
export type { DecisionContext } from '../decision/context';
export { toCapacityPlan } from '../decision/plan';

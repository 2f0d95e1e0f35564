// The worker's workflowsPath: every workflow type Kinetic runs.
export { scalingDecision } from './scaling-decision';

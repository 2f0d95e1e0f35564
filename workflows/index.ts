// The worker's workflowsPath: every workflow type Kinetic runs.
export { scalingDecision } from './scaling-decision';
export { controlLoop } from './control-loop';
export { retrainEnsemble } from './retrain-ensemble';
export { budgetReport } from './budget-report';
export { reweightEnsemble } from './reweight-ensemble';
export { fingerprintLoop } from './fingerprint-loop';
export { budgetAuthority } from './budget-authority';

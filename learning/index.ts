/** Pure learning math for issue 7: Hedge (fixed η or AdaHedge) and Exp3 reweighting, champion/challenger promotion. */
export { applyFloor, asymmetricLoss, combine, equalWeights, hedge, type HedgeOptions, type HedgeResult, type Observation, type Weights } from './hedge';
export { exp3, outcomeReward, seedFrom, type Exp3Options, type Exp3Result, type OutcomeEvent, type OutcomeKind } from './exp3';
export { adaHedge, foldIntoPrior, freshAdaHedge, type AdaHedgeResult, type AdaHedgeState } from './adahedge';
export { DEFAULT_LEARNING_RATE, learnWeights, reweightLearning, type LearningRate, type WeightLearning } from './learn-weights';
export { classifyDecision, type DecisionFacts } from './decision-outcome';
export { holdoutMase, judgeChallenger, type ChallengeVerdict } from './champion';

/** Pure learning math for issue 7: Hedge and Exp3 reweighting, champion/challenger promotion. */
export { applyFloor, asymmetricLoss, combine, equalWeights, hedge, type HedgeOptions, type HedgeResult, type Observation, type Weights } from './hedge';
export { exp3, outcomeReward, seedFrom, type Exp3Options, type Exp3Result, type OutcomeEvent, type OutcomeKind } from './exp3';
export { classifyDecision, type DecisionFacts } from './decision-outcome';
export { holdoutMase, judgeChallenger, type ChallengeVerdict } from './champion';

/** Pure learning math for issue 7: Hedge reweighting and champion/challenger promotion. */
export { applyFloor, asymmetricLoss, combine, equalWeights, hedge, type HedgeOptions, type HedgeResult, type Observation, type Weights } from './hedge';
export { holdoutMase, judgeChallenger, type ChallengeVerdict } from './champion';

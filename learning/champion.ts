/**
 * Champion/challenger: a newly fitted model version replaces the serving one only when it is
 * better on the same held-back recent data by a margin, so retraining never ships a regression.
 * Pure: scores in, verdict out.
 */
import { mae, maseScale } from '../models/metrics';

export interface ChallengeVerdict {
  promote: boolean;
  reason: string;
}

/**
 * Holdout MASE: mean absolute error on the held-back points, scaled by the in-sample naive error
 * of the training part (season lag m), so scores of different windows are comparable.
 */
export function holdoutMase(actual: readonly number[], forecast: readonly number[], train: readonly number[], season = 1): number {
  let scale = maseScale(train, season);
  if (!(scale > 0)) scale = maseScale(train, 1);
  if (!(scale > 0)) scale = Math.max(1e-9, train.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, train.length));
  return mae(actual, forecast) / scale;
}

/** Lower score is better. The challenger must beat the champion by `margin` (fraction, 0.05 = 5%). */
export function judgeChallenger(challenger: number, champion: number | undefined, margin: number): ChallengeVerdict {
  if (!Number.isFinite(challenger)) return { promote: false, reason: `challenger has no usable holdout score (${challenger})` };
  if (champion === undefined) return { promote: true, reason: 'no champion yet: the first valid version serves' };
  if (!Number.isFinite(champion)) return { promote: true, reason: `champion cannot be scored on the holdout (${champion})` };
  const bar = champion * (1 - margin);
  if (challenger < bar || (champion === 0 && challenger === 0 && margin === 0)) {
    return { promote: true, reason: `holdout MASE ${challenger.toFixed(4)} beats champion ${champion.toFixed(4)} by more than ${(margin * 100).toFixed(1)}%` };
  }
  return {
    promote: false,
    reason: `holdout MASE ${challenger.toFixed(4)} does not beat champion ${champion.toFixed(4)} by ${(margin * 100).toFixed(1)}% (needs < ${bar.toFixed(4)})`,
  };
}

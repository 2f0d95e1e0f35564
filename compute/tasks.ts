import { fitChallengerTask } from '../fingerprints/fit-version';
import { backtestFold } from '../models/backtest';
import { forecastM4Series } from '../models/m4';
import { runReplayJob } from '../planning/predictive/replay-job';
import { fitModel } from './fit-model';
import type { TaskRegistry } from './types';

/**
 * The tasks compute threads run, by name. Each is a pure function of a structured-clonable input
 * (plain objects, arrays, numbers, strings) to such an output, importing only pure modules. To
 * add one: write it in models/ (or here in compute/), add it below, and call
 * `computePool().run('name', input)`; input and output types follow from the function.
 */
export const TASKS = {
  /** One model: fit, serialise, forecast. */
  fitModel,
  /** M4: the ensemble on one series, member and ensemble point forecasts. */
  m4Series: forecastM4Series,
  /** Backtest: the ensemble and the reported models on one fold. */
  backtestFold,
  /** A decision's forecast step: fit what has no champion, replay the planner, plan now. */
  planDecision: runReplayJob,
  /** The fingerprint loop's challenger: reducer, clusters and a GRU per cluster. */
  fitFingerprintChallenger: fitChallengerTask,
} satisfies TaskRegistry;

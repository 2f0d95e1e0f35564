import { runReplayJob, type ReplayJob, type ReplayJobResult } from '../planning/predictive/replay-job';

/** Runs a decision's forecast job (fits + planner replay). */
export async function runForecastJob(job: ReplayJob): Promise<ReplayJobResult> {
  return runReplayJob(job);
}

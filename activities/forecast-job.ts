import { computePool } from '../compute';
import type { ReplayJob, ReplayJobResult } from '../planning/predictive/replay-job';

/**
 * Runs a decision's forecast job (fits + planner replay) on a compute thread, so a long fit never
 * blocks the worker's event loop: workflow tasks, heartbeats and other activities keep running.
 * A failure inside the job comes back as an error of the same name (RangeError for bad input).
 */
export async function runForecastJob(job: ReplayJob): Promise<ReplayJobResult> {
  return computePool().run('planDecision', job);
}

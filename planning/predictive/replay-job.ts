import type { LeadBucketWeights } from '../../learning/lead-hedge';
import type { SerializedModel } from '../../models/contract';
import { getForecaster } from '../../models/registry';
import type { PlacedModel } from './model-paths';
import type { PlannerOptions } from './options';
import { replayPlan, type ReplayResult } from './replay';

/**
 * A decision's forecast step as one self-contained job of plain data, so it can run on a compute
 * thread: models arrive serialised (champions from the model store, or versions fitted earlier)
 * or are fitted here on the history when there is none; then the planner is replayed.
 */
export interface ReplayJobModel {
  name: string;
  /** The fitted state; absent = fit it now on the history. */
  artifact?: SerializedModel;
  /** Index in `history` of the first value the model was fitted on (negative: before the history). */
  fitStart: number;
}

export interface ReplayJob {
  history: number[];
  models: ReplayJobModel[];
  weights: Record<string, number>;
  weightsByLead?: LeadBucketWeights[];
  options: PlannerOptions;
  seasons: number[];
  stepSeconds: number;
  replaySteps: number;
}

export interface ReplayJobResult extends ReplayResult {
  /** Models fitted by this job (to cache), with where their fit started. */
  fitted: Array<{ name: string; artifact: SerializedModel; fitStart: number; description: string }>;
  /** Models left out, and why (a fit or a deserialisation failed). */
  failed: Record<string, string>;
  /** What each model used is, in words. */
  descriptions: Record<string, string>;
  ms: number;
}

export async function runReplayJob(job: ReplayJob): Promise<ReplayJobResult> {
  const t0 = performance.now();
  // Models fit on what the planner forecasts from: missing samples carried forward.
  const filled: number[] = [];
  let last = job.history.find(Number.isFinite) ?? 0;
  for (const v of job.history) filled.push(Number.isFinite(v) ? (last = v) : last);
  const placed: PlacedModel[] = [];
  const fitted: ReplayJobResult['fitted'] = [];
  const failed: Record<string, string> = {};
  const descriptions: Record<string, string> = {};
  for (const m of job.models) {
    try {
      const f = getForecaster(m.name);
      const model = m.artifact ? f.deserialize(m.artifact) : await f.fit(filled, { seasons: job.seasons, stepSeconds: job.stepSeconds, seed: 1 });
      if (!m.artifact) fitted.push({ name: m.name, artifact: model.serialize(), fitStart: 0, description: model.describe() });
      placed.push({ name: m.name, model, fitStart: m.artifact ? m.fitStart : 0 });
      descriptions[m.name] = model.describe();
    } catch (e) {
      failed[m.name] = (e as Error).message;
    }
  }
  if (placed.length === 0) throw new RangeError(`no model could forecast: ${Object.entries(failed).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  const result = replayPlan({ history: job.history, models: placed, weights: job.weights, weightsByLead: job.weightsByLead, options: job.options, seasons: job.seasons, replaySteps: job.replaySteps });
  return { ...result, fitted, failed, descriptions, ms: performance.now() - t0 };
}

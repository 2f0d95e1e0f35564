import { Context } from '@temporalio/activity';
import { holdoutMase, judgeChallenger } from '../learning/champion';
import type { FitOptions } from '../models/contract';
import { getForecaster } from '../models/registry';
import { createModelStore, ModelVersion } from '../store/model-store';
import type { ActivityDeps } from './deps';
import { currentCodeVersion, learningOf, readHistory, usableValues } from './learning-common';

/** What retraining will use for one service, or why it cannot run. */
export interface RetrainPlan {
  service: string;
  ok: boolean;
  reason: string;
  /** Epoch ms the data window ends at; every model reads the same window. */
  end: number;
  points: number;
  models: string[];
  holdoutPoints: number;
  promotionMargin: number;
}

export interface RetrainedModel {
  versionId: string;
  model: string;
  holdoutMase: number;
  championVersion?: string;
  championHoldoutMase?: number;
}

export interface PromotionVerdict {
  versionId: string;
  model: string;
  promoted: boolean;
  reason: string;
}

/** Activities of the retrain workflow: plan the window, fit + score one model, judge champion vs challenger. */
export function retrainActivities(deps: ActivityDeps) {
  const store = () => {
    const cfg = deps.config();
    return createModelStore(cfg.modelStore, cfg.stateRoot);
  };
  return {
    async listLearningServices(): Promise<string[]> {
      return Object.keys(deps.config().services);
    },

    async prepareRetrain(input: { service: string }): Promise<RetrainPlan> {
      const svc = deps.service(input.service);
      const l = learningOf(svc);
      const wanted = Math.max(1, Math.floor(l.historyWindow / svc.metrics.stepSeconds));
      const end = Date.now();
      const values = usableValues(input.service, await readHistory(deps, input.service, wanted, new Date(end)));
      const need = Math.max(l.minHistoryPoints, l.holdoutPoints + 4);
      const base = { service: input.service, end, points: values.length, models: l.models, holdoutPoints: l.holdoutPoints, promotionMargin: l.promotionMargin };
      if (values.length < need) {
        return {
          ...base,
          ok: false,
          reason: `not enough history: ${values.length} points of the ${need} needed (learning.minHistoryPoints ${l.minHistoryPoints}, holdout ${l.holdoutPoints}); the current models keep serving`,
        };
      }
      return { ...base, ok: true, reason: `${values.length} points (window up to ${wanted}), holdout ${l.holdoutPoints}` };
    },

    /**
     * Fits one model on the window without its holdout and scores it there, scores the current
     * champion on the same points, then fits on the whole window and stores the version as a
     * candidate. Idempotent by versionId; heartbeats, so a lost worker is noticed and the attempt
     * retried, and a cancellation stops it between steps.
     */
    async retrainModel(input: {
      service: string;
      model: string;
      versionId: string;
      end: number;
      points: number;
      holdoutPoints: number;
      workflowId?: string;
      runId?: string;
      /** Throttle between steps (ms): spreads CPU on shared workers; tests use it to kill a worker mid-way. */
      pauseBetweenStepsMs?: number;
    }): Promise<RetrainedModel> {
      const ctx = Context.current();
      const s = store();
      const done = await s.get(input.service, input.versionId);
      if (done) return summary(done);
      const step = async (phase: string) => {
        ctx.heartbeat({ phase, attempt: ctx.info.attempt });
        if (input.pauseBetweenStepsMs) {
          const end = Date.now() + input.pauseBetweenStepsMs;
          while (Date.now() < end) {
            await ctx.sleep(Math.min(250, end - Date.now())); // rejects on cancellation
            ctx.heartbeat({ phase, attempt: ctx.info.attempt });
          }
        }
      };
      const svc = deps.service(input.service);
      const forecaster = getForecaster(input.model);
      await step('read');
      const series = await readHistory(deps, input.service, input.points, new Date(input.end));
      const values = usableValues(input.service, series);
      const h = Math.min(input.holdoutPoints, values.length - 2);
      const train = values.slice(0, values.length - h);
      const actual = values.slice(values.length - h);
      const fitOptions: FitOptions = { seasons: svc.seasons, stepSeconds: svc.metrics.stepSeconds, horizon: h, seed: 1 };
      const scaleSeason = svc.seasons.find((m) => train.length > 2 * m) ?? 1;

      await step('fit-without-holdout');
      const challenger = await forecaster.fit(train, fitOptions);
      const challengerScore = holdoutMase(actual, challenger.forecast(h).point, train, scaleSeason);

      await step('score-champion');
      const champ = await s.champion(input.service, input.model);
      let championScore: number | undefined;
      if (champ) {
        const fitted = forecaster.deserialize(champ.artifact);
        // The champion's own parameters on the same history; models that cannot do that are refitted with the champion's options.
        const fc = fitted.forecastFrom
          ? fitted.forecastFrom(train, h)
          : (await forecaster.fit(train, champ.lineage.parameters.fitOptions as FitOptions)).forecast(h);
        championScore = holdoutMase(actual, fc.point, train, scaleSeason);
      }

      await step('fit-full-window');
      const full = await forecaster.fit(values, { ...fitOptions, horizon: undefined });
      const lastAt = series.start + (series.values.length - 1) * svc.metrics.stepSeconds * 1000;
      const version: ModelVersion = {
        id: input.versionId,
        service: input.service,
        model: input.model,
        createdAt: new Date().toISOString(),
        status: 'candidate',
        lineage: {
          dataWindow: {
            start: new Date(lastAt - (values.length - 1) * svc.metrics.stepSeconds * 1000).toISOString(),
            end: new Date(lastAt).toISOString(),
            points: values.length,
            stepSeconds: svc.metrics.stepSeconds,
            source: svc.metrics.source,
          },
          parameters: { fitOptions: { ...fitOptions, horizon: undefined } as Record<string, unknown>, description: full.describe() },
          scores: { holdoutMase: challengerScore, holdoutPoints: h, championHoldoutMase: championScore, championVersion: champ?.id },
          codeVersion: currentCodeVersion(),
          workflowId: input.workflowId,
          runId: input.runId,
        },
        artifact: full.serialize(),
      };
      await s.put(version);
      return summary((await s.get(input.service, input.versionId)) ?? version);
    },

    /** Promotes the candidate if it beats the champion by the margin, else marks it rejected. Idempotent. */
    async judgeRetrainedModel(input: { service: string; versionId: string; margin: number; by: string }): Promise<PromotionVerdict> {
      const s = store();
      const v = await s.get(input.service, input.versionId);
      if (!v) throw new Error(`model version ${input.versionId} of ${input.service} is missing`);
      if (v.status !== 'candidate') return { versionId: v.id, model: v.model, promoted: v.status === 'champion' || v.status === 'retired', reason: v.verdict ?? v.status };
      const sc = v.lineage.scores;
      const verdict = judgeChallenger(num(sc.holdoutMase), sc.championVersion ? num(sc.championHoldoutMase) : undefined, input.margin);
      if (verdict.promote) await s.promote(input.service, v.id, input.by, verdict.reason);
      else await s.reject(input.service, v.id, verdict.reason);
      return { versionId: v.id, model: v.model, promoted: verdict.promote, reason: verdict.reason };
    },
  };
}

/** JSON turns NaN into null; scores read back as NaN again. */
function num(x: number | null | undefined): number {
  return typeof x === 'number' ? x : NaN;
}

function summary(v: ModelVersion): RetrainedModel {
  return {
    versionId: v.id,
    model: v.model,
    holdoutMase: num(v.lineage.scores.holdoutMase),
    championVersion: v.lineage.scores.championVersion,
    championHoldoutMase: v.lineage.scores.championHoldoutMase === undefined ? undefined : num(v.lineage.scores.championHoldoutMase),
  };
}

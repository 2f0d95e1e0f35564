import { join } from 'node:path';
import { driftVerdict } from '../fingerprints/drift';
import { computePool } from '../compute';
import { promotionVerdict, scoreModel } from '../fingerprints/fit-version';
import { FingerprintModelStore } from '../store/fingerprint-store';
import { FileSummaryStore } from '../telemetry/summary-store';
import type { ActivityDeps } from './deps';

export interface FingerprintLoopResult {
  service: string;
  /** kept: the champion is within its threshold; promoted / rejected: a challenger was fitted; skipped: not enough data. */
  outcome: 'kept' | 'promoted' | 'rejected' | 'skipped';
  champion?: number;
  /** The version this run stored (promoted or not). */
  version?: number;
  reason: string;
}

/**
 * The adaptive loop's activities (thin): read the collector's summaries and the champion, ask the
 * drift trigger whether to refit, fit and score a challenger on held-back periods, store it with its
 * lineage and promote it only if it wins. Idempotent by `sourceId`: a retried run finds its version.
 */
export function fingerprintLoopActivities(deps: ActivityDeps) {
  return {
    async listFingerprintServices(): Promise<string[]> {
      return Object.entries(deps.config().services)
        .filter(([, s]) => s.fingerprints?.enabled)
        .map(([name]) => name);
    },

    async fingerprintLoopService(input: { service: string; sourceId: string; force?: boolean }): Promise<FingerprintLoopResult> {
      const cfg = deps.config();
      const fp = deps.service(input.service).fingerprints;
      if (!fp?.enabled) return { service: input.service, outcome: 'skipped', reason: 'fingerprints are not enabled for this service (fingerprints.enabled)' };
      const models = new FingerprintModelStore(cfg.stateRoot);
      const done = models.versions(input.service).find((v) => v.sourceId === input.sourceId);
      // A retry after the version was stored but before the promotion finishes the promotion (unless another run moved on).
      if (done?.promotion?.promoted && models.championVersion(input.service) === done.parent) models.promote(input.service, done.version);
      if (done) return { service: input.service, outcome: done.promotion?.promoted ? 'promoted' : 'rejected', version: done.version, champion: models.championVersion(input.service), reason: done.promotion?.reason ?? done.reason };

      const byMember = new FileSummaryStore(fp.summariesDir ?? join(cfg.stateRoot, 'telemetry')).recent(input.service, fp.loop.maxPeriods);
      const all = Object.values(byMember).flat();
      if (all.length === 0) return { service: input.service, outcome: 'skipped', reason: 'no telemetry summaries yet: is the collector running (kinetic fingerprints collect)?' };
      const newest = all.reduce((a, s) => (s.to > a.to ? s : a));
      const stepMs = newest.to - newest.from;
      const champion = models.champion(input.service);

      let reason = input.force ? 'refit on request' : 'no champion yet';
      if (champion && !input.force) {
        const recent = scoreModel(champion, byMember, fp.loop.windows);
        const since = Math.floor((newest.to - champion.dataWindow.to) / champion.stepMs);
        const verdict = driftVerdict(recent.perPeriod, since, { threshold: fp.loop.threshold, windows: fp.loop.windows, everyWindows: fp.loop.everyWindows });
        if (!verdict.refit) return { service: input.service, outcome: 'kept', champion: champion.version, reason: verdict.reason };
        reason = verdict.reason;
      }
      let challenger;
      try {
        // On a compute thread: GRU training takes minutes for a large pool and must not block the worker.
        const opts = { service: input.service, horizonSteps: fp.horizonSteps, holdBack: fp.loop.holdBack, stepMs, reason, now: Date.now(), ...(champion ? { champion } : {}) };
        challenger = await computePool().run('fitFingerprintChallenger', { byMember, opts });
      } catch (e) {
        if ((e as Error).name === 'RangeError') return { service: input.service, outcome: 'skipped', ...(champion ? { champion: champion.version } : {}), reason: (e as Error).message };
        throw e;
      }
      const mine = scoreModel({ ...challenger, version: 0 }, byMember, fp.loop.holdBack);
      const theirs = champion ? scoreModel(champion, byMember, fp.loop.holdBack) : undefined;
      const promotion = promotionVerdict(mine, theirs, champion?.version);
      const stored = models.add({
        ...challenger,
        ...(mine.windows > 0 ? { heldBack: { cpuMae: mine.cpuMae, perCluster: mine.perCluster, windows: mine.windows } } : {}),
        promotion,
        sourceId: input.sourceId,
      });
      if (promotion.promoted) models.promote(input.service, stored.version);
      return {
        service: input.service,
        outcome: promotion.promoted ? 'promoted' : 'rejected',
        version: stored.version,
        champion: promotion.promoted ? stored.version : champion?.version,
        reason: `${reason}; ${promotion.reason}`,
      };
    },
  };
}

import type { SerializedModel } from '../models/contract';
import type { ReplayJobModel } from '../planning/predictive/replay-job';
import type { ModelStore } from '../store/model-store';

/**
 * Which fitted model a decision uses for each of its models: the champion retraining promoted,
 * unless its data ends more than `maxAgeMs` ago; else a version this worker fitted at an earlier
 * decision within that age; else none (the forecast job fits it on the decision's history).
 */
export interface ModelChoice {
  job: ReplayJobModel;
  /** What the record names: the champion's version id, `fitted-now`, or `fitted-at <ISO>` (this worker's cache). */
  version: string;
  source: 'champion' | 'cached' | 'fitted-now';
  /** End of the data the model was fitted on (ISO). */
  dataEnd?: string;
  note?: string;
}

interface Cached {
  artifact: SerializedModel;
  /** Epoch ms of the first value it was fitted on, and of the last. */
  start: number;
  end: number;
}

/** Per worker process: models fitted at decision time, reused until they are as old as a stale champion. */
export class FittedAtDecisionCache {
  private readonly entries = new Map<string, Cached>();

  get(key: string, now: number, maxAgeMs: number): Cached | undefined {
    const c = this.entries.get(key);
    return c && now - c.end <= maxAgeMs ? c : undefined;
  }

  put(key: string, c: Cached): void {
    this.entries.set(key, c);
  }
}

export async function chooseModels(input: {
  service: string;
  /** Distinguishes the main metric from extra dimensions in the cache. */
  series: string;
  models: readonly string[];
  store?: ModelStore;
  cache: FittedAtDecisionCache;
  historyStart: number;
  stepMs: number;
  now: number;
  maxAgeMs: number;
}): Promise<ModelChoice[]> {
  const out: ModelChoice[] = [];
  const index = (epochMs: number) => Math.round((epochMs - input.historyStart) / input.stepMs);
  for (const name of input.models) {
    const champ = input.store ? await input.store.champion(input.service, name) : undefined;
    const end = champ ? Date.parse(champ.lineage.dataWindow.end) : NaN;
    if (champ && input.now - end <= input.maxAgeMs) {
      out.push({
        job: { name, artifact: champ.artifact, fitStart: index(Date.parse(champ.lineage.dataWindow.start)) },
        version: champ.id,
        source: 'champion',
        dataEnd: champ.lineage.dataWindow.end,
      });
      continue;
    }
    const note = champ
      ? `${name}: champion ${champ.id} is stale (data ends ${champ.lineage.dataWindow.end}); fitted at decision time`
      : `${name}: no champion yet; fitted at decision time`;
    const cached = input.cache.get(`${input.service}|${input.series}|${name}`, input.now, input.maxAgeMs);
    if (cached) {
      out.push({ job: { name, artifact: cached.artifact, fitStart: index(cached.start) }, version: `fitted-at ${new Date(cached.end).toISOString()}`, source: 'cached', dataEnd: new Date(cached.end).toISOString(), note });
    } else {
      out.push({ job: { name, fitStart: 0 }, version: 'fitted-now', source: 'fitted-now', note });
    }
  }
  return out;
}

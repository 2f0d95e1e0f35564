import { join } from 'node:path';
import type { LeadBucketWeights } from '../learning/lead-hedge';
import { withFileLock } from './file-lock';
import { readJson, writeJsonAtomic } from './json-file';

/**
 * Versioned ensemble weights per service, with their history (what was evaluated, the losses,
 * why). The newest version is the one decisions forecast with. They live in the model store
 * (`ModelStore.weights` / `appendWeights`): these files with `modelStore.type: file`, an object in
 * the bucket with `modelStore.type: s3`.
 */

export interface WeightsVersion {
  version: number;
  service: string;
  /** One vector for every lead (pooled Hedge, then Exp3): what versions before `byLead` combined with. */
  weights: Record<string, number>;
  /**
   * Weights per lead bucket (1, 2–3, 4–6, 7–12, …; learning/lead-hedge.ts), what decisions combine
   * each lead with. Absent in versions written before it: `weights` serves every lead.
   */
  byLead?: LeadBucketWeights[];
  createdAt: string;
  /** Who produced it: reweight workflow/run id, or `cli:<user>` / `initial`. */
  source: string;
  /** madeAt (epoch ms) of the newest prediction evaluated into this version. */
  evaluatedThrough: number;
  observations: number;
  meanLoss: Record<string, number>;
  /** Scaling outcomes seen in the same window (from predictions' plans vs realised demand, and the audit ledger). */
  outcomes?: { underProvisionedSteps: number; wastefulSteps: number; decisionsCommitted: number; decisionsRolledBack: number };
  /** Exp3 rounds from decision outcomes of predictions that had no realised demand. */
  outcomeLearning?: {
    rounds: number;
    /** Outcomes by kind: under-provisioned, over-provisioned, adequate. */
    kinds: Record<string, number>;
    /** How often each model was drawn, and its mean reward when drawn. */
    played: Record<string, number>;
    meanReward: Record<string, number>;
  };
  params?: { learningRate: number; underForecastPenalty: number; weightFloor: number; exploration?: number };
  reason: string;
}

export type NewWeightsVersion = Omit<WeightsVersion, 'version' | 'createdAt'>;

export interface WeightsFile {
  versions: WeightsVersion[];
}

/** The newest version of a history (undefined before the first reweight). */
export function newestWeights(history: WeightsVersion[]): WeightsVersion | undefined {
  return history[history.length - 1];
}

/**
 * Adds `v` to `data` unless a version from the same `source` exists (a retried reweight gets the
 * version it already wrote); returns the version and whether `data` changed. Shared by both backends.
 */
export function addWeightsVersion(data: WeightsFile, v: NewWeightsVersion, now = new Date()): { version: WeightsVersion; added: boolean } {
  const existing = data.versions.find((x) => x.source === v.source);
  if (existing) return { version: existing, added: false };
  const version: WeightsVersion = { ...v, version: data.versions.length + 1, createdAt: now.toISOString() };
  data.versions.push(version);
  return { version, added: true };
}

/** `<stateDir>/weights/<service>.json`, changed under a cross-process file lock. */
export class FileWeightsStore {
  constructor(private readonly stateRoot: string) {}

  private file(service: string): string {
    return join(this.stateRoot, 'weights', `${service}.json`);
  }

  async history(service: string): Promise<WeightsVersion[]> {
    return readJson<WeightsFile>(this.file(service), { versions: [] }).versions;
  }

  async append(v: NewWeightsVersion): Promise<WeightsVersion> {
    const file = this.file(v.service);
    return withFileLock(`${file}.lock`, () => {
      const data = readJson<WeightsFile>(file, { versions: [] });
      const { version, added } = addWeightsVersion(data, v);
      if (added) writeJsonAtomic(file, data);
      return version;
    });
  }
}

import { join } from 'node:path';
import { withFileLock } from './file-lock';
import { readJson, writeJsonAtomic } from './json-file';

/**
 * Versioned ensemble weights per service, with their history (what was evaluated, the losses,
 * why). The newest version is the one the control loop forecasts with.
 */

export interface WeightsVersion {
  version: number;
  service: string;
  weights: Record<string, number>;
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

interface WeightsFile {
  versions: WeightsVersion[];
}

export class WeightsStore {
  constructor(private readonly stateRoot: string) {}

  private file(service: string): string {
    return join(this.stateRoot, 'weights', `${service}.json`);
  }

  history(service: string): WeightsVersion[] {
    return readJson<WeightsFile>(this.file(service), { versions: [] }).versions;
  }

  current(service: string): WeightsVersion | undefined {
    const h = this.history(service);
    return h[h.length - 1];
  }

  /** Adds a version; idempotent by `source` (a retried reweight returns the version it already wrote). */
  append(v: Omit<WeightsVersion, 'version' | 'createdAt'>): WeightsVersion {
    const file = this.file(v.service);
    return withFileLock(`${file}.lock`, () => {
      const data = readJson<WeightsFile>(file, { versions: [] });
      const existing = data.versions.find((x) => x.source === v.source);
      if (existing) return existing;
      const version: WeightsVersion = { ...v, version: data.versions.length + 1, createdAt: new Date().toISOString() };
      data.versions.push(version);
      writeJsonAtomic(file, data);
      return version;
    });
  }
}

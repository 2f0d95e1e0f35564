import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StateConfig } from '../config/schema';
import { withFileLock } from './file-lock';
import { postgresHandle } from './postgres';
import { PostgresPredictionStore } from './prediction-store-postgres';

/**
 * Every prediction a decision acted on (keyed by the decision id; records of the first control
 * loop are keyed by loop iteration), so reweighting can later compare it with what really
 * happened. Appends are idempotent by id (an activity retry writes nothing new). `compact` drops
 * what reweighting has consumed and no longer needs, so the store stops growing. Two backends:
 * JSON lines per service under `<stateDir>/predictions/` (`state.store: file`, one host) and a
 * Postgres table (`state.store: postgres`, many hosts).
 */

export interface LoopProposal {
  mode: 'act' | 'forecast-only';
  current: number;
  planned: number;
  /** scale: the plan differs and no cooldown blocks it; hold: nothing to do; cooldown: blocked. */
  action: 'scale' | 'hold' | 'cooldown';
  reason: string;
}

export interface PredictionRecord {
  id: string;
  service: string;
  /** The decision that acted on this prediction (records since the one-planner change). */
  decisionId?: string;
  /** Records of the first control loop, which forecast on its own. */
  loopId?: string;
  /** Epoch ms when the forecast was made. */
  madeAt: number;
  stepSeconds: number;
  /** Epoch ms of each forecast step (targets[j] = last observation + (j + 1) steps). */
  targets: number[];
  /** Point forecast per model, aligned with `targets`. */
  perModel: Record<string, number[]>;
  /** The weighted ensemble point forecast. */
  ensemble: number[];
  weights: Record<string, number>;
  weightsVersion: number;
  peakP90: number;
  /** Demand the plan provisioned for (the planner's window peak at `quantile`, never below the newest observation). */
  plannedDemand?: number;
  quantile?: number;
  /** Model versions used: champion id, `fitted-now` or `fitted-at <ISO>`. */
  models?: Record<string, string>;
  proposal?: LoopProposal;
}

export interface PredictionStore {
  readonly where: string;
  /** Appends unless a record with the same id exists; true when it wrote. */
  append(rec: PredictionRecord): Promise<boolean>;
  /** The service's records, oldest first (by madeAt). */
  forService(service: string): Promise<PredictionRecord[]>;
  /**
   * Drops the records that are both evaluated (madeAt ≤ `evaluatedThrough`, the reweight cursor)
   * and older than `keepAfter` (epoch ms); unevaluated ones stay whatever their age. Idempotent.
   */
  compact(service: string, opts: { evaluatedThrough: number; keepAfter: number }): Promise<CompactionResult>;
}

/** The store `state.store` names. */
export function createPredictionStore(state: StateConfig | undefined, stateRoot: string): PredictionStore {
  if (state?.store === 'postgres') return new PostgresPredictionStore(postgresHandle(state.postgres));
  return new FilePredictionStore(stateRoot);
}

/** One JSON line per record in `<stateDir>/predictions/<service>.jsonl`. */
export class FilePredictionStore implements PredictionStore {
  readonly dir: string;
  constructor(stateRoot: string) {
    this.dir = join(stateRoot, 'predictions');
  }

  get where(): string {
    return this.dir;
  }

  file(service: string): string {
    return join(this.dir, `${service}.jsonl`);
  }

  async append(rec: PredictionRecord): Promise<boolean> {
    const file = this.file(rec.service);
    mkdirSync(dirname(file), { recursive: true });
    return withFileLock(`${file}.lock`, () => {
      if (this.read(file).records.some((r) => r.id === rec.id)) return false;
      appendFileSync(file, JSON.stringify(rec) + '\n');
      return true;
    });
  }

  async forService(service: string): Promise<PredictionRecord[]> {
    return this.read(this.file(service)).records;
  }

  /**
   * Runs under the append lock and replaces the file by rename, so a concurrent append is never
   * lost and a crash leaves the old or the new file, never half of one.
   */
  async compact(service: string, opts: { evaluatedThrough: number; keepAfter: number }): Promise<CompactionResult> {
    const file = this.file(service);
    if (!existsSync(file)) return { kept: 0, dropped: 0, unreadable: 0 };
    return withFileLock(`${file}.lock`, () => {
      const { records, unreadable } = this.read(file);
      const keep = records.filter((r) => !(r.madeAt <= opts.evaluatedThrough && r.madeAt < opts.keepAfter));
      const dropped = records.length - keep.length;
      if (dropped > 0 || unreadable > 0) {
        const tmp = `${file}.${process.pid}.compact.tmp`;
        writeFileSync(tmp, keep.map((r) => JSON.stringify(r) + '\n').join(''));
        renameSync(tmp, file);
      }
      return { kept: keep.length, dropped, unreadable };
    });
  }

  private read(file: string): { records: PredictionRecord[]; unreadable: number } {
    if (!existsSync(file)) return { records: [], unreadable: 0 };
    const records: PredictionRecord[] = [];
    let unreadable = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as PredictionRecord);
      } catch {
        unreadable++; // a torn last line after a crash: skip it, keep the rest
      }
    }
    return { records, unreadable };
  }
}

export interface CompactionResult {
  kept: number;
  dropped: number;
  /** Torn lines (a crash mid-append) removed by the rewrite. */
  unreadable: number;
}

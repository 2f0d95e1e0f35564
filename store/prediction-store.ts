import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withFileLock } from './file-lock';

/**
 * Every forecast the control loop makes, one JSON line each, so reweighting can later compare it
 * with what really happened. Appends are idempotent by id (an activity retry writes nothing new).
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
  proposal?: LoopProposal;
}

export class PredictionStore {
  readonly dir: string;
  constructor(stateRoot: string) {
    this.dir = join(stateRoot, 'predictions');
  }

  file(service: string): string {
    return join(this.dir, `${service}.jsonl`);
  }

  /** Appends unless a record with the same id exists; true when it wrote. */
  append(rec: PredictionRecord): boolean {
    const file = this.file(rec.service);
    mkdirSync(dirname(file), { recursive: true });
    return withFileLock(`${file}.lock`, () => {
      if (this.forService(rec.service).some((r) => r.id === rec.id)) return false;
      appendFileSync(file, JSON.stringify(rec) + '\n');
      return true;
    });
  }

  forService(service: string): PredictionRecord[] {
    const file = this.file(service);
    if (!existsSync(file)) return [];
    const out: PredictionRecord[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as PredictionRecord);
      } catch {
        /* a torn last line after a crash: skip it, keep the rest */
      }
    }
    return out;
  }
}

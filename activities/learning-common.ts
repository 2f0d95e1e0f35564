import { execFileSync } from 'node:child_process';
import type { ServiceConfig } from '../config/schema';
import { learningSchema, LearningConfig } from '../config/schema';
import { REPO_ROOT } from '../config/tools';
import type { MetricSeries } from '../metrics/contract';
import { MetricsInputError } from '../metrics/contract';
import type { ActivityDeps } from './deps';

/** Shared by the loop, retrain and reweight activities: learning config and history. */

/** The service's `learning:` section with every default filled in. */
export function learningOf(svc: ServiceConfig): LearningConfig {
  return svc.learning ?? learningSchema.parse({});
}

/** Reads `points` steps of the service's metric ending at `end`. */
export async function readHistory(deps: ActivityDeps, service: string, points: number, end = new Date()): Promise<MetricSeries> {
  const svc = deps.service(service);
  const step = svc.metrics.stepSeconds;
  const start = new Date(end.getTime() - points * step * 1000);
  return deps.metrics(service).range(service, svc.metrics.metric, start, end, step);
}

/** Drops leading/trailing gaps and refuses gaps in the middle (models need a regular series). */
export function usableValues(service: string, series: MetricSeries): number[] {
  let a = 0;
  let b = series.values.length;
  while (a < b && !Number.isFinite(series.values[a])) a++;
  while (b > a && !Number.isFinite(series.values[b - 1])) b--;
  const vals = series.values.slice(a, b);
  const hole = vals.findIndex((v) => !Number.isFinite(v));
  if (hole >= 0) throw new MetricsInputError(`metrics for "${service}": a gap at step ${a + hole} of ${series.values.length}; the models need a gap-free window`);
  return vals;
}

let codeVersion: string | undefined;
/** The git commit of this checkout (KINETIC_CODE_VERSION overrides; "unknown" outside git). */
export function currentCodeVersion(): string {
  if (codeVersion) return codeVersion;
  codeVersion = process.env.KINETIC_CODE_VERSION;
  if (!codeVersion) {
    try {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      codeVersion = dirty ? `${head}-dirty` : head;
    } catch {
      codeVersion = 'unknown';
    }
  }
  return codeVersion;
}

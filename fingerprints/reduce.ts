import { PCA } from 'ml-pca';
import { SIGNAL_FAMILY } from './signals';

/**
 * Fleet-level reduction of feature vectors into fingerprints: signed log1p (features span orders
 * of magnitude: cores next to KiB/s), standardisation (with a floor on the scale, so
 * near-constant columns are not blown up into unit-variance noise), then PCA keeping the fewest components that explain ≥ `minExplained`.
 * ml-pca does the SVD (maintained, deterministic); the fitted model is stored as plain arrays
 * with a version, so projecting a new vector needs no library and no refit.
 */
export interface ReducerModel {
  version: number;
  featureNames: string[];
  center: number[];
  scale: number[];
  /** Kept principal axes, one row per component, in standardised feature space. */
  components: number[][];
  /** Explained-variance share of each kept component. */
  explained: number[];
}

export interface ReducerOptions {
  /** Share of variance the kept components must explain (default 0.9). */
  minExplained?: number;
  /**
   * Floor on a column's standard deviation in log units (default 0.1, about 10 % relative
   * variation): a feature that varies less than that across the whole fleet is measurement noise,
   * and standardising it to unit variance would give noise the weight of a real difference.
   */
  minScale?: number;
  /**
   * Weight columns so every signal family (fingerprints/signals.ts SIGNAL_FAMILY: cpu, memory, disk,
   * scheduling, requests, event loop) carries the same total variance, whatever its number of
   * columns (default true). Columns whose name is not `<signal>.…` each form their own family.
   */
  familyWeighting?: boolean;
  /** Cap on kept components (default 12). */
  maxComponents?: number;
  version?: number;
}

/** The family of a feature column named `<signal>.<window>.<stat>` or `<signal>.perRequest`. */
export function familyOf(featureName: string): string {
  const signal = featureName.split('.')[0];
  return (SIGNAL_FAMILY as Record<string, string>)[signal] ?? featureName;
}

export const slog = (x: number): number => Math.sign(x) * Math.log1p(Math.abs(x));

export function fitReducer(rows: readonly number[][], featureNames: readonly string[], opts: ReducerOptions = {}): ReducerModel {
  const minExplained = opts.minExplained ?? 0.9;
  if (!(minExplained > 0 && minExplained <= 1)) throw new RangeError(`minExplained must be in (0, 1], got ${minExplained}`);
  if (rows.length < 2) throw new RangeError(`fitting a fingerprint reducer needs at least 2 feature vectors, got ${rows.length}`);
  const p = featureNames.length;
  rows.forEach((r, i) => {
    if (r.length !== p) throw new RangeError(`feature vector ${i} has ${r.length} values, expected ${p} (one per feature name)`);
    if (!r.every(Number.isFinite)) throw new RangeError(`feature vector ${i} has a non-finite value`);
  });
  const logged = rows.map((r) => r.map(slog));
  const center = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (const r of logged) r.forEach((v, j) => (center[j] += v / logged.length));
  for (const r of logged) r.forEach((v, j) => (scale[j] += (v - center[j]) ** 2 / logged.length));
  const minScale = opts.minScale ?? 0.1;
  if (!(minScale > 0)) throw new RangeError(`minScale must be > 0, got ${minScale}`);
  for (let j = 0; j < p; j++) scale[j] = Math.max(Math.sqrt(scale[j]), minScale);
  if (opts.familyWeighting ?? true) {
    // A column of a family of n columns gets weight 1/√n: the family's total variance is that of one column.
    const family = featureNames.map(familyOf);
    const size = new Map<string, number>();
    for (const f of family) size.set(f, (size.get(f) ?? 0) + 1);
    for (let j = 0; j < p; j++) scale[j] *= Math.sqrt(size.get(family[j])!);
  }
  const z = logged.map((r) => r.map((v, j) => (v - center[j]) / scale[j]));

  const pca = new PCA(z, { center: false, scale: false, method: 'SVD' });
  const explainedAll = pca.getExplainedVariance();
  const loadings = pca.getLoadings().to2DArray();
  let keep = 0;
  let cum = 0;
  const maxComponents = opts.maxComponents ?? 12;
  while (keep < explainedAll.length && keep < maxComponents && cum < minExplained - 1e-12) cum += explainedAll[keep++];
  keep = Math.max(1, keep);
  // SVD signs are arbitrary: make each axis's largest loading positive so refits on similar data agree.
  const components = loadings.slice(0, keep).map((axis) => {
    let big = 0;
    for (const v of axis) if (Math.abs(v) > Math.abs(big)) big = v;
    return big < 0 ? axis.map((v) => -v) : [...axis];
  });
  return { version: opts.version ?? 1, featureNames: [...featureNames], center, scale, components, explained: explainedAll.slice(0, keep) };
}

/** Standardised (log, centred, scaled) features of one vector under a fitted model. */
export function standardise(model: ReducerModel, vector: readonly number[]): number[] {
  if (vector.length !== model.center.length) {
    throw new RangeError(`feature vector has ${vector.length} values but reducer v${model.version} expects ${model.center.length}; refit the reducer after changing windows or signals`);
  }
  return vector.map((v, j) => (slog(v) - model.center[j]) / model.scale[j]);
}

/** The fingerprint: the standardised vector projected on the kept components. */
export function fingerprint(model: ReducerModel, vector: readonly number[]): number[] {
  const z = standardise(model, vector);
  return model.components.map((axis) => axis.reduce((acc, a, j) => acc + a * z[j], 0));
}

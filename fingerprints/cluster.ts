import { kmeans, sq } from './kmeans';

/**
 * k-means over fingerprints with k chosen by the mean silhouette (k in [kMin, kMax], bounded by
 * the number of points). Lloyd iterations with k-means++ seeding from `seed` (fingerprints/kmeans.ts);
 * several restarts keep the lowest within-cluster sum of squares, so one unlucky seeding cannot
 * merge two behaviours. Same points and seed → same labels.
 */
export interface ClusterOptions {
  kMin?: number;
  kMax?: number;
  seed?: number;
  restarts?: number;
}

export interface Clustering {
  k: number;
  /** Cluster index per point (0..k-1, in k-means' order; see stableIds for ids that survive refits). */
  labels: number[];
  centroids: number[][];
  silhouette: number;
  /** Mean silhouette of every k tried, for the record. */
  tried: Array<{ k: number; silhouette: number }>;
}


export function clusterFingerprints(points: readonly number[][], opts: ClusterOptions = {}): Clustering {
  const n = points.length;
  const kMin = opts.kMin ?? 2;
  const kMax = Math.min(opts.kMax ?? 8, n - 1);
  if (!(kMin >= 2)) throw new RangeError(`kMin must be >= 2 (silhouette needs two clusters), got ${kMin}`);
  if (kMax < kMin) throw new RangeError(`clustering ${n} fingerprints with k >= ${kMin} needs at least ${kMin + 1} instances`);
  let best: Clustering | undefined;
  const tried: Clustering['tried'] = [];
  for (let k = kMin; k <= kMax; k++) {
    const run = bestOfRestarts(points, k, opts.seed ?? 1, opts.restarts ?? 8);
    const s = silhouette(points, run.labels);
    tried.push({ k, silhouette: s });
    // Strictly better: ties keep the smaller k (fewer clusters, fewer models to train).
    if (!best || s > best.silhouette + 1e-9) best = { k, labels: run.labels, centroids: run.centroids, silhouette: s, tried };
  }
  return { ...best!, tried };
}

function bestOfRestarts(points: readonly number[][], k: number, seed: number, restarts: number) {
  let best: ReturnType<typeof kmeans> | undefined;
  for (let r = 0; r < restarts; r++) {
    const res = kmeans(points, k, seed + r * 7919);
    if (!best || res.sse < best.sse - 1e-12) best = res;
  }
  return best!;
}

/** Mean silhouette (Euclidean): (b − a) / max(a, b) per point; a point alone in its cluster scores 0. */
export function silhouette(points: readonly number[][], labels: readonly number[]): number {
  const n = points.length;
  const k = Math.max(...labels) + 1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const sums = new Array<number>(k).fill(0);
    const counts = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      sums[labels[j]] += Math.sqrt(sq(points[i], points[j]));
      counts[labels[j]]++;
    }
    const own = labels[i];
    if (counts[own] === 0) continue;
    const a = sums[own] / counts[own];
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c]);
    if (Number.isFinite(b) && Math.max(a, b) > 0) total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

import { mulberry32 } from '../models/random';

/**
 * Lloyd's k-means with k-means++ seeding from a mulberry32 stream: same points and seed → same
 * result. Written here rather than taken from ml-kmeans 7, which is ESM-only: this CommonJS
 * project cannot resolve its types (moduleResolution node), and requiring it at run time needs
 * Node ≥ 20.19, below the engines floor. Forty lines are cheaper than that dependency.
 */
export interface KMeansResult {
  labels: number[];
  centroids: number[][];
  /** Within-cluster sum of squared distances. */
  sse: number;
}

export const sq = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return s;
};

export function kmeans(points: readonly number[][], k: number, seed: number, maxIterations = 200): KMeansResult {
  if (!(Number.isInteger(k) && k >= 1 && k <= points.length)) throw new RangeError(`k must be an integer in [1, ${points.length}], got ${k}`);
  const rnd = mulberry32(seed >>> 0);
  // k-means++: each next centre drawn with probability proportional to its squared distance.
  const centroids: number[][] = [[...points[Math.floor(rnd() * points.length)]]];
  while (centroids.length < k) {
    const d = points.map((p) => Math.min(...centroids.map((c) => sq(p, c))));
    const total = d.reduce((a, b) => a + b, 0);
    let pick = 0;
    if (total > 0) {
      let r = rnd() * total;
      while (pick < d.length - 1 && (r -= d[pick]) > 0) pick++;
    } else pick = centroids.length; // all points coincide with centres: any distinct index will do
    centroids.push([...points[pick]]);
  }
  let labels = new Array<number>(points.length).fill(-1);
  for (let it = 0; it < maxIterations; it++) {
    const next = points.map((p) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (sq(p, centroids[c]) < sq(p, centroids[best])) best = c;
      return best;
    });
    const changed = next.some((l, i) => l !== labels[i]);
    labels = next;
    for (let c = 0; c < k; c++) {
      const members = points.filter((_, i) => labels[i] === c);
      if (members.length > 0) centroids[c] = members[0].map((_, j) => members.reduce((s, m) => s + m[j], 0) / members.length);
    }
    if (!changed) break;
  }
  const sse = points.reduce((acc, p, i) => acc + sq(p, centroids[labels[i]]), 0);
  return { labels, centroids, sse };
}

import { sq } from './kmeans';

/**
 * Cluster ids that survive refits: a new cluster takes the id of the previous cluster whose
 * centroid is nearest, closest pairs first (greedy; optimal matching is not worth it for k ≤ 8),
 * unless the nearest is farther than `maxDistance`; unmatched clusters get fresh ids. Centroids
 * are compared in a space both fits share (the standardised feature space of the new fit), not
 * in PCA space, whose axes change between fits.
 */
export interface KnownCluster {
  id: string;
  centroid: number[];
}

export function assignStableIds(previous: readonly KnownCluster[], centroids: readonly number[][], opts: { maxDistance?: number; nextNumber?: number } = {}): string[] {
  const maxDistance = opts.maxDistance ?? Infinity;
  const pairs: Array<{ i: number; j: number; d: number }> = [];
  centroids.forEach((c, i) =>
    previous.forEach((p, j) => {
      if (p.centroid.length !== c.length) throw new RangeError(`cluster ${p.id}: centroid has ${p.centroid.length} values, expected ${c.length}`);
      pairs.push({ i, j, d: Math.sqrt(sq(c, p.centroid)) });
    }),
  );
  pairs.sort((a, b) => a.d - b.d || a.i - b.i || a.j - b.j);
  const ids: Array<string | undefined> = Array.from({ length: centroids.length }, () => undefined);
  const taken = new Set<number>();
  for (const { i, j, d } of pairs) {
    if (ids[i] !== undefined || taken.has(j) || d > maxDistance) continue;
    ids[i] = previous[j].id;
    taken.add(j);
  }
  const used = new Set(previous.map((p) => p.id));
  let next = opts.nextNumber ?? 0;
  return ids.map((id) => {
    if (id !== undefined) return id;
    while (used.has(`c${next}`)) next++;
    used.add(`c${next}`);
    return `c${next}`;
  });
}

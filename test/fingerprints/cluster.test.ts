import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../fingerprints/ari';
import { clusterFingerprints, silhouette } from '../../fingerprints/cluster';
import { assignFleet, fitFleet, membershipByService } from '../../fingerprints/fleet';
import { fingerprint, fitReducer } from '../../fingerprints/reduce';
import { assignStableIds } from '../../fingerprints/stable-ids';
import { mulberry32 } from '../../models/random';

/** Three well-separated blobs in 6 dimensions, seeded. */
function blobs(seed: number, perBlob = 6) {
  const rnd = mulberry32(seed);
  // Behaviours differ on most signals at once (one column is pure noise), as real ones do.
  const centres = [[1, 100, 5, 0, 20, 3], [50, 2, 5, 9, 2, 3], [5, 5, 500, 1, 200, 3]];
  const rows: number[][] = [];
  const truth: number[] = [];
  centres.forEach((c, k) => {
    for (let i = 0; i < perBlob; i++) {
      rows.push(c.map((v) => v * (1 + 0.1 * (rnd() - 0.5))));
      truth.push(k);
    }
  });
  return { rows, truth, names: c6() };
}
const c6 = () => ['a', 'b', 'c', 'd', 'e', 'f'];

describe('adjusted Rand index and silhouette (hand-computed)', () => {
  it('ARI is 1 for relabelled identical partitions and 0.2424… for a known split', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], ['x', 'x', 'y', 'y'])).toBe(1);
    // Contingency [[2,1,0],[0,1,2]]: index 2, expected 6·3/15 = 1.2, max 4.5 → 0.8 / 3.3.
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 12);
  });

  it('silhouette of two pairs on a line', () => {
    // Point 0: a = 1, b = 10.5; point 1: a = 1, b = 9.5; the other pair mirrors them.
    expect(silhouette([[0], [1], [10], [11]], [0, 0, 1, 1])).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
  });
});

describe('PCA reducer', () => {
  it('two perfectly correlated columns need one component along the diagonal', () => {
    const rows = [1, 2, 3, 4, 5].map((t) => [t, 2 * t + 1]);
    const m = fitReducer(rows, ['x', 'y']);
    expect(m.components).toHaveLength(1);
    expect(m.explained[0]).toBeCloseTo(1, 9);
    expect(m.components[0][0]).toBeCloseTo(Math.SQRT1_2, 9);
    expect(m.components[0][1]).toBeCloseTo(Math.SQRT1_2, 9);
  });

  it('keeps components up to 90 % explained variance, and is deterministic', () => {
    const { rows, names } = blobs(7);
    const a = fitReducer(rows, names);
    const b = fitReducer(rows, names);
    expect(a).toEqual(b);
    const cum = a.explained.reduce((s, x) => s + x, 0);
    expect(cum).toBeGreaterThanOrEqual(0.9);
    expect(cum - a.explained[a.explained.length - 1]).toBeLessThan(0.9);
    expect(fingerprint(a, rows[0])).toHaveLength(a.components.length);
  });

  it('refuses vectors of the wrong length with the fix', () => {
    const m = fitReducer([[1, 2], [2, 3], [4, 1]], ['x', 'y']);
    expect(() => fingerprint(m, [1, 2, 3])).toThrow(/refit the reducer/);
    expect(() => fitReducer([[1, 2]], ['x', 'y'])).toThrow(/at least 2/);
  });
});

describe('clustering', () => {
  it('finds three blobs with k chosen by silhouette, deterministic for a seed', () => {
    const { rows, truth, names } = blobs(11);
    const m = fitReducer(rows, names);
    const points = rows.map((r) => fingerprint(m, r));
    const c1 = clusterFingerprints(points, { seed: 3, kMax: 6 });
    const c2 = clusterFingerprints(points, { seed: 3, kMax: 6 });
    expect(c1).toEqual(c2);
    expect(c1.k).toBe(3);
    expect(adjustedRandIndex(c1.labels, truth)).toBe(1);
    expect(c1.tried.map((t) => t.k)).toEqual([2, 3, 4, 5, 6]);
  });

  it('stable ids: nearest previous centroid, closest pairs first, fresh ids beyond maxDistance', () => {
    const prev = [{ id: 'c0', centroid: [0, 0] }, { id: 'c1', centroid: [10, 10] }];
    expect(assignStableIds(prev, [[9, 9], [1, 0], [50, 50]], { maxDistance: 5 })).toEqual(['c1', 'c0', 'c2']);
  });

  it('a refit on shuffled data keeps every cluster id of the same members', () => {
    const { rows, names } = blobs(5);
    const inst = rows.map((features, i) => ({ id: `m${i}`, service: i < 9 ? 'web' : 'api', features }));
    const first = fitFleet(inst, names, { cluster: { seed: 1 } });
    const shuffled = [...inst].reverse().map((x) => ({ ...x, features: x.features.map((v) => v * 1.01) }));
    const second = fitFleet(shuffled, names, { previous: first, cluster: { seed: 99 } });
    const byMember = (m: typeof first) => Object.fromEntries(m.clusters.flatMap((c) => c.members.map((id) => [id, c.id])));
    expect(byMember(second)).toEqual(byMember(first));
    expect(second.reducer.version).toBe(2);
    const placed = assignFleet(second, inst);
    expect(placed.map((p) => p.cluster)).toEqual(inst.map((x) => byMember(first)[x.id]));
    const perService = membershipByService(placed);
    expect(Object.values(perService.web).reduce((a, b) => a + b, 0)).toBe(9);
  });
});

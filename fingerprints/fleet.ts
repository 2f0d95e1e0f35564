import { clusterFingerprints, type ClusterOptions } from './cluster';
import { sq } from './kmeans';
import { fingerprint, fitReducer, slog, type ReducerModel, type ReducerOptions } from './reduce';
import { assignStableIds } from './stable-ids';

/**
 * A fleet's fingerprint model: the reducer (standardisation + PCA) and the clusters, with ids that
 * survive refits. `fitFleet` refits both (per fleet, e.g. every few minutes or when errors stay
 * high); `assignFleet` places fresh feature vectors with the fitted model (every minute).
 */
export interface InstanceFeatures {
  id: string;
  service: string;
  features: number[];
}

export interface FleetCluster {
  id: string;
  /** Centroid in log-feature space (slog of features, before standardisation): comparable across refits. */
  centroidLog: number[];
  /** Centroid in this model's fingerprint space. */
  centroid: number[];
  members: string[];
}

export interface FleetModel {
  reducer: ReducerModel;
  clusters: FleetCluster[];
  silhouette: number;
  tried: Array<{ k: number; silhouette: number }>;
}

export interface Placement {
  id: string;
  service: string;
  cluster: string;
  fingerprint: number[];
  /** Distance to the assigned centroid, in fingerprint units. */
  distance: number;
}

export function fitFleet(
  instances: readonly InstanceFeatures[],
  featureNames: readonly string[],
  opts: { previous?: FleetModel; reducer?: ReducerOptions; cluster?: ClusterOptions } = {},
): FleetModel {
  const version = (opts.previous?.reducer.version ?? 0) + 1;
  const reducer = fitReducer(instances.map((i) => i.features), featureNames, { ...opts.reducer, version });
  const points = instances.map((i) => fingerprint(reducer, i.features));
  const c = clusterFingerprints(points, opts.cluster);
  const centroidLog = c.centroids.map((_, k) => {
    const rows = instances.filter((_, i) => c.labels[i] === k).map((x) => x.features.map(slog));
    return rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  });
  // Match against the previous clusters in the new standardised space (both centroids mapped by the new scaler).
  const toZ = (v: readonly number[]) => v.map((x, j) => (x - reducer.center[j]) / reducer.scale[j]);
  const previous = opts.previous?.reducer.featureNames.join() === featureNames.join()
    ? opts.previous.clusters.map((p) => ({ id: p.id, centroid: toZ(p.centroidLog) }))
    : [];
  const ids = assignStableIds(previous, centroidLog.map(toZ));
  const clusters = c.centroids.map((centroid, k) => ({
    id: ids[k],
    centroidLog: centroidLog[k],
    centroid,
    members: instances.filter((_, i) => c.labels[i] === k).map((x) => x.id),
  }));
  clusters.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return { reducer, clusters, silhouette: c.silhouette, tried: c.tried };
}

export function assignFleet(model: FleetModel, instances: readonly InstanceFeatures[]): Placement[] {
  return instances.map((inst) => {
    const fp = fingerprint(model.reducer, inst.features);
    let best = model.clusters[0];
    let bestD = Infinity;
    for (const c of model.clusters) {
      const d = Math.sqrt(sq(c.centroid, fp));
      if (d < bestD) {
        best = c;
        bestD = d;
      }
    }
    return { id: inst.id, service: inst.service, cluster: best.id, fingerprint: fp, distance: bestD };
  });
}

/** How many instances of each service sit in each cluster. */
export function membershipByService(placements: readonly Placement[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of placements) {
    out[p.service] ??= {};
    out[p.service][p.cluster] = (out[p.service][p.cluster] ?? 0) + 1;
  }
  return out;
}

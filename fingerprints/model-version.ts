import type { UtilisationModel } from '../models/cluster-utilisation';
import type { FleetModel } from './fleet';

/**
 * One fitted fingerprint model of a service, as the store keeps it: the reducer and clusters, a
 * utilisation model per cluster where there was enough data to train one (the others forecast by
 * persistence), how well it did on held-back steps, and its lineage (parent, data window, reason).
 */
export interface FingerprintModelVersion {
  service: string;
  version: number;
  /** The champion this one was fitted to replace (none for the first). */
  parent?: number;
  createdAt: number;
  /** Why it was fitted: the drift verdict or the schedule. */
  reason: string;
  /** Summaries it was fitted on (epoch ms, the last held-back step included). */
  dataWindow: { from: number; to: number };
  /** Feature windows (s) of the summaries it reads; a summary with other windows cannot be placed. */
  windowsS: number[];
  fleet: FleetModel;
  /** GRU per cluster id (models/cluster-utilisation.ts); a cluster without one forecasts by persistence. */
  clusterModels: Record<string, UtilisationModel>;
  /** Forecast horizon in summary periods. */
  horizonSteps: number;
  /** Summary period (ms). */
  stepMs: number;
  /** Mean absolute CPU error (cores) on the held-back steps; absent when none were held back. */
  heldBack?: { cpuMae: number; perCluster: Record<string, number>; windows: number };
  /** Set by the loop: promoted to champion or not, and why. */
  promotion?: { promoted: boolean; reason: string };
}

import type { ModelStoreConfig } from '../config/schema';
import type { SerializedModel } from '../models/contract';
import { checkVersionId, FileModelStore, rollbackTarget } from './model-store-file';
import { S3ModelStore } from './s3-model-store';
import type { NewWeightsVersion, WeightsVersion } from './weights-store';

/**
 * Model versions with lineage, which version of each model serves each service (the champion),
 * and the ensemble weights reweighting learned. Two backends behind one async interface: files
 * under `<stateRoot>/models/` and `<stateRoot>/weights/` (default) and an S3-compatible bucket
 * (`modelStore: { type: s3, ... }` in kinetic.yaml), which workers on many hosts share.
 */

export interface ModelLineage {
  /** The data the version was fitted on. */
  dataWindow: { start: string; end: string; points: number; stepSeconds: number; source: string };
  /** Fit options (seasons, step) and the model's own description of its parameters. */
  parameters: { fitOptions: Record<string, unknown>; description: string };
  scores: {
    /** Holdout MASE of this version (fitted without the holdout). */
    holdoutMase: number;
    holdoutPoints: number;
    /** The champion's holdout MASE on the same points, when there was one. */
    championHoldoutMase?: number;
    championVersion?: string;
  };
  /** git commit of the code that fitted it ("unknown" outside a checkout). */
  codeVersion: string;
  workflowId?: string;
  runId?: string;
}

export type VersionStatus = 'candidate' | 'champion' | 'retired' | 'rejected';

export interface ModelVersion {
  id: string;
  service: string;
  model: string;
  createdAt: string;
  status: VersionStatus;
  lineage: ModelLineage;
  /** Why it was promoted or rejected. */
  verdict?: string;
  artifact: SerializedModel;
}

export interface PromotionEvent {
  at: string;
  model: string;
  from?: string;
  to: string;
  by: string;
  reason: string;
}

/** Per service: the champion of each model and every promotion, in order. */
export interface ServiceIndex {
  champions: Record<string, string>;
  promotions: PromotionEvent[];
}

export interface ModelStore {
  /** Stores a version; idempotent by id (false when the id already exists, which keeps the first write). */
  put(v: ModelVersion): Promise<boolean>;
  get(service: string, id: string): Promise<ModelVersion | undefined>;
  /** Versions oldest first (createdAt, then id), optionally of one model. */
  list(service: string, model?: string): Promise<ModelVersion[]>;
  services(): Promise<string[]>;
  champion(service: string, model: string): Promise<ModelVersion | undefined>;
  champions(service: string): Promise<Record<string, string>>;
  /** Makes `id` its model's champion and retires the previous one; idempotent. */
  promote(service: string, id: string, by: string, reason: string): Promise<ModelVersion>;
  reject(service: string, id: string, reason: string): Promise<ModelVersion>;
  /** Restores the champion that preceded the current one. */
  rollback(service: string, model: string, by: string): Promise<ModelVersion>;
  promotions(service: string): Promise<PromotionEvent[]>;
  /** The service's ensemble weight versions, oldest first (the newest is the one decisions use). */
  weights(service: string): Promise<WeightsVersion[]>;
  /** Adds a weights version; idempotent by `source` (a retried reweight gets the version it wrote). */
  appendWeights(v: NewWeightsVersion): Promise<WeightsVersion>;
}

/** The configured backend: `modelStore` of kinetic.yaml (file when absent). */
export function createModelStore(config: ModelStoreConfig | undefined, stateRoot: string): ModelStore {
  if (!config || config.type === 'file') return new FileModelStore(stateRoot);
  return new S3ModelStore(config);
}

export { checkVersionId, FileModelStore, rollbackTarget, S3ModelStore };

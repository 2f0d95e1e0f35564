import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SerializedModel } from '../models/contract';
import { withFileLock } from './file-lock';
import { readJson, writeJsonAtomic } from './json-file';

/**
 * Model versions with lineage, and which version of each model serves each service (the
 * champion). Files under `<stateRoot>/models/` by default. The `ModelStore` interface is what an
 * S3-compatible backend would implement (not built: @aws-sdk/client-s3 is not installed here).
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

export interface ModelStore {
  put(v: ModelVersion): boolean;
  get(service: string, id: string): ModelVersion | undefined;
  list(service: string, model?: string): ModelVersion[];
  services(): string[];
  champion(service: string, model: string): ModelVersion | undefined;
  champions(service: string): Record<string, string>;
  promote(service: string, id: string, by: string, reason: string): ModelVersion;
  reject(service: string, id: string, reason: string): ModelVersion;
  rollback(service: string, model: string, by: string): ModelVersion;
  promotions(service: string): PromotionEvent[];
}

interface ServiceIndex {
  champions: Record<string, string>;
  promotions: PromotionEvent[];
}

export class FileModelStore implements ModelStore {
  readonly root: string;
  constructor(stateRoot: string, root?: string) {
    this.root = root ?? join(stateRoot, 'models');
  }

  private indexFile(service: string) {
    return join(this.root, service, 'index.json');
  }
  private versionFile(service: string, id: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`"${id}" is not a model version id`);
    return join(this.root, service, 'versions', `${id}.json`);
  }
  private withIndex<T>(service: string, fn: (ix: ServiceIndex) => T): T {
    const file = this.indexFile(service);
    return withFileLock(`${file}.lock`, () => {
      const ix = readJson<ServiceIndex>(file, { champions: {}, promotions: [] });
      const out = fn(ix);
      writeJsonAtomic(file, ix);
      return out;
    });
  }

  /** Stores a version; idempotent by id (a retried fit keeps the first write). */
  put(v: ModelVersion): boolean {
    return this.withIndex(v.service, () => {
      const file = this.versionFile(v.service, v.id);
      if (existsSync(file)) return false;
      writeJsonAtomic(file, v);
      return true;
    });
  }

  get(service: string, id: string): ModelVersion | undefined {
    const file = this.versionFile(service, id);
    return existsSync(file) ? readJson<ModelVersion>(file, undefined as unknown as ModelVersion) : undefined;
  }

  list(service: string, model?: string): ModelVersion[] {
    const dir = join(this.root, service, 'versions');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<ModelVersion>(join(dir, f), undefined as unknown as ModelVersion))
      .filter((v) => !model || v.model === model)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  services(): string[] {
    return existsSync(this.root) ? readdirSync(this.root).filter((d) => existsSync(this.indexFile(d))) : [];
  }

  champions(service: string): Record<string, string> {
    return readJson<ServiceIndex>(this.indexFile(service), { champions: {}, promotions: [] }).champions;
  }

  champion(service: string, model: string): ModelVersion | undefined {
    const id = this.champions(service)[model];
    return id ? this.get(service, id) : undefined;
  }

  promotions(service: string): PromotionEvent[] {
    return readJson<ServiceIndex>(this.indexFile(service), { champions: {}, promotions: [] }).promotions;
  }

  private setStatus(service: string, id: string, status: VersionStatus, verdict?: string): ModelVersion {
    const v = this.get(service, id);
    if (!v) throw new Error(`no model version ${id} for ${service}`);
    const next = { ...v, status, verdict: verdict ?? v.verdict };
    writeJsonAtomic(this.versionFile(service, id), next);
    return next;
  }

  /** Makes `id` the champion of its model; the previous champion is retired. Idempotent. */
  promote(service: string, id: string, by: string, reason: string): ModelVersion {
    const v = this.get(service, id);
    if (!v) throw new Error(`no model version ${id} for ${service}; see \`kinetic models list ${service}\``);
    return this.withIndex(service, (ix) => {
      const prev = ix.champions[v.model];
      if (prev === id) return this.setStatus(service, id, 'champion');
      if (prev && this.get(service, prev)) this.setStatus(service, prev, 'retired');
      ix.champions[v.model] = id;
      ix.promotions.push({ at: new Date().toISOString(), model: v.model, from: prev, to: id, by, reason });
      return this.setStatus(service, id, 'champion', reason);
    });
  }

  reject(service: string, id: string, reason: string): ModelVersion {
    return this.withIndex(service, () => this.setStatus(service, id, 'rejected', reason));
  }

  /** Restores the champion that preceded the current one. */
  rollback(service: string, model: string, by: string): ModelVersion {
    const history = this.promotions(service).filter((p) => p.model === model);
    const current = this.champions(service)[model];
    const last = [...history].reverse().find((p) => p.to === current);
    if (!current || !last?.from) throw new Error(`${service}/${model}: no earlier champion to roll back to`);
    return this.promote(service, last.from, by, `rollback from ${current}`);
  }
}

/** The configured model store (file-based; S3 is not available in this build). */
export function openModelStore(stateRoot: string): ModelStore {
  return new FileModelStore(stateRoot);
}

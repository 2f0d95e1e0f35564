import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './file-lock';
import { readJson, writeJsonAtomic } from './json-file';
import type { ModelStore, ModelVersion, PromotionEvent, ServiceIndex, VersionStatus } from './model-store';
import { FileWeightsStore, type NewWeightsVersion, type WeightsVersion } from './weights-store';

/** Version ids become file names and object keys: no separators, no `..`. */
export function checkVersionId(id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || /^\.+$/.test(id)) throw new Error(`"${id}" is not a model version id`);
  return id;
}

/** The version a rollback restores, from the promotion history (shared by both backends). */
export function rollbackTarget(service: string, model: string, ix: ServiceIndex): { current: string; target: string } {
  const current = ix.champions[model];
  const last = [...ix.promotions].reverse().find((p) => p.model === model && p.to === current);
  if (!current || !last?.from) throw new Error(`${service}/${model}: no earlier champion to roll back to`);
  return { current, target: last.from };
}

const EMPTY_INDEX: ServiceIndex = { champions: {}, promotions: [] };

/**
 * Files under `<stateRoot>/models/<service>/`: `versions/<id>.json` and `index.json`. Every change
 * of the index runs under a cross-process file lock, so concurrent promotions (worker and CLI)
 * never lose one. The work is synchronous; the methods are async to share the interface with S3.
 */
export class FileModelStore implements ModelStore {
  readonly root: string;
  private readonly weightsStore: FileWeightsStore;
  constructor(stateRoot: string, root?: string) {
    this.root = root ?? join(stateRoot, 'models');
    this.weightsStore = new FileWeightsStore(stateRoot);
  }

  private indexFile(service: string) {
    return join(this.root, checkVersionId(service), 'index.json');
  }
  private versionFile(service: string, id: string) {
    return join(this.root, checkVersionId(service), 'versions', `${checkVersionId(id)}.json`);
  }
  private withIndex<T>(service: string, fn: (ix: ServiceIndex) => T): Promise<T> {
    const file = this.indexFile(service);
    return withFileLock(`${file}.lock`, () => {
      const ix = readJson<ServiceIndex>(file, structuredClone(EMPTY_INDEX));
      const out = fn(ix);
      writeJsonAtomic(file, ix);
      return out;
    });
  }
  private readIndex(service: string): ServiceIndex {
    return readJson<ServiceIndex>(this.indexFile(service), structuredClone(EMPTY_INDEX));
  }
  private read(service: string, id: string): ModelVersion | undefined {
    const file = this.versionFile(service, id);
    return existsSync(file) ? readJson<ModelVersion | undefined>(file, undefined) : undefined;
  }
  private setStatus(service: string, id: string, status: VersionStatus, verdict?: string): ModelVersion {
    const v = this.read(service, id);
    if (!v) throw new Error(`no model version ${id} for ${service}; see \`kinetic models list ${service}\``);
    const next = { ...v, status, verdict: verdict ?? v.verdict };
    writeJsonAtomic(this.versionFile(service, id), next);
    return next;
  }

  async put(v: ModelVersion): Promise<boolean> {
    return this.withIndex(v.service, () => {
      const file = this.versionFile(v.service, v.id);
      if (existsSync(file)) return false;
      writeJsonAtomic(file, v);
      return true;
    });
  }

  async get(service: string, id: string): Promise<ModelVersion | undefined> {
    return this.read(service, id);
  }

  async list(service: string, model?: string): Promise<ModelVersion[]> {
    const dir = join(this.root, checkVersionId(service), 'versions');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<ModelVersion>(join(dir, f), undefined as unknown as ModelVersion))
      .filter((v) => !model || v.model === model)
      .sort(byAge);
  }

  async services(): Promise<string[]> {
    return existsSync(this.root) ? readdirSync(this.root).filter((d) => existsSync(join(this.root, d, 'index.json'))).sort() : [];
  }

  async champions(service: string): Promise<Record<string, string>> {
    return this.readIndex(service).champions;
  }

  async champion(service: string, model: string): Promise<ModelVersion | undefined> {
    const id = this.readIndex(service).champions[model];
    return id ? this.read(service, id) : undefined;
  }

  async promotions(service: string): Promise<PromotionEvent[]> {
    return this.readIndex(service).promotions;
  }

  async promote(service: string, id: string, by: string, reason: string): Promise<ModelVersion> {
    const v = this.read(service, id);
    if (!v) throw new Error(`no model version ${id} for ${service}; see \`kinetic models list ${service}\``);
    return this.withIndex(service, (ix) => {
      const prev = ix.champions[v.model];
      if (prev === id) return this.setStatus(service, id, 'champion');
      if (prev && this.read(service, prev)) this.setStatus(service, prev, 'retired');
      ix.champions[v.model] = id;
      ix.promotions.push({ at: new Date().toISOString(), model: v.model, from: prev, to: id, by, reason });
      return this.setStatus(service, id, 'champion', reason);
    });
  }

  async reject(service: string, id: string, reason: string): Promise<ModelVersion> {
    return this.withIndex(service, () => this.setStatus(service, id, 'rejected', reason));
  }

  async rollback(service: string, model: string, by: string): Promise<ModelVersion> {
    const { current, target } = rollbackTarget(service, model, this.readIndex(service));
    return this.promote(service, target, by, `rollback from ${current}`);
  }

  async weights(service: string): Promise<WeightsVersion[]> {
    return this.weightsStore.history(checkVersionId(service));
  }

  async appendWeights(v: NewWeightsVersion): Promise<WeightsVersion> {
    checkVersionId(v.service);
    return this.weightsStore.append(v);
  }
}

/** Oldest first; the id breaks ties so the order is stable across backends. */
export function byAge(a: ModelVersion, b: ModelVersion): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

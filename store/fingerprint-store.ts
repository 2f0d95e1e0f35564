import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FingerprintModelVersion } from '../fingerprints/model-version';
import { readJson, writeJsonAtomic } from './json-file';

/**
 * Fingerprint model versions on files, like the load models: `<stateRoot>/fingerprints/<service>/v<N>.json`
 * (every version, promoted or not: the lineage) and `champion.json` (which one decisions use).
 * Writes are atomic; a version carries the id of the run that wrote it, so a retried run finds it.
 */
export type StoredFingerprintVersion = FingerprintModelVersion & { sourceId?: string };

export class FingerprintModelStore {
  constructor(readonly stateRoot: string) {}

  private dir(service: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(service)) throw new RangeError(`service "${service}" may hold only letters, digits, ".", "_" and "-" (it names a directory)`);
    return join(this.stateRoot, 'fingerprints', service);
  }

  versions(service: string): StoredFingerprintVersion[] {
    const dir = this.dir(service);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^v\d+\.json$/.test(f))
      .map((f) => readJson<StoredFingerprintVersion | undefined>(join(dir, f), undefined)!)
      .sort((a, b) => a.version - b.version);
  }

  get(service: string, version: number): StoredFingerprintVersion | undefined {
    return readJson<StoredFingerprintVersion | undefined>(join(this.dir(service), `v${version}.json`), undefined);
  }

  championVersion(service: string): number | undefined {
    return readJson<{ version?: number }>(join(this.dir(service), 'champion.json'), {}).version;
  }

  champion(service: string): StoredFingerprintVersion | undefined {
    const v = this.championVersion(service);
    return v === undefined ? undefined : this.get(service, v);
  }

  /** Stores the next version number for `model` and returns it. */
  add(model: Omit<StoredFingerprintVersion, 'version'>): StoredFingerprintVersion {
    const version = (this.versions(model.service).at(-1)?.version ?? 0) + 1;
    const stored = { ...model, version } as StoredFingerprintVersion;
    writeJsonAtomic(join(this.dir(model.service), `v${version}.json`), stored);
    return stored;
  }

  promote(service: string, version: number): void {
    if (!this.get(service, version)) throw new RangeError(`fingerprint model v${version} of ${service} does not exist`);
    writeJsonAtomic(join(this.dir(service), 'champion.json'), { version });
  }
}

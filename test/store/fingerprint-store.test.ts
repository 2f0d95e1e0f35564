import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FingerprintModelVersion } from '../../fingerprints/model-version';
import { SIGNALS, type Signal } from '../../fingerprints/signals';
import { FingerprintModelStore } from '../../store/fingerprint-store';
import { FileSummaryStore } from '../../telemetry/summary-store';

/** The fingerprint stores on files: versions with lineage and the champion pointer; summaries per member. */
const model = (parent?: number): Omit<FingerprintModelVersion, 'version'> => ({
  service: 'web',
  ...(parent ? { parent } : {}),
  createdAt: 1,
  reason: 'r',
  dataWindow: { from: 0, to: 60_000 },
  windowsS: [1, 2],
  fleet: { reducer: { version: 1, featureNames: [], center: [], scale: [], components: [], explained: [] }, clusters: [], silhouette: 0, tried: [] } as unknown as FingerprintModelVersion['fleet'],
  clusterModels: {},
  horizonSteps: 5,
  stepMs: 60_000,
});

describe('fingerprint model store', () => {
  it('numbers versions, keeps every one, and points at the champion', () => {
    const store = new FingerprintModelStore(mkdtempSync(join(tmpdir(), 'kinetic-fps-')));
    expect(store.champion('web')).toBeUndefined();
    expect(store.add({ ...model(), sourceId: 'run-1' }).version).toBe(1);
    store.promote('web', 1);
    expect(store.add(model(1)).version).toBe(2);
    expect(store.championVersion('web')).toBe(1);
    expect(store.versions('web').map((v) => [v.version, v.parent ?? null, v.sourceId ?? null])).toEqual([[1, null, 'run-1'], [2, 1, null]]);
    store.promote('web', 2);
    expect(store.champion('web')?.version).toBe(2);
    expect(() => store.promote('web', 9)).toThrow(/fingerprint model v9 of web does not exist/);
    expect(() => store.versions('../etc')).toThrow(/service "..\/etc" may hold only letters/);
  });
});

describe('summary store', () => {
  const zero = Object.fromEntries(SIGNALS.map((s) => [s, 0])) as Record<Signal, number>;
  it('lists members per service and returns each one\'s newest summaries, oldest first', () => {
    const store = new FileSummaryStore(mkdtempSync(join(tmpdir(), 'kinetic-sum-')));
    for (let k = 0; k < 5; k++) for (const member of ['b', 'a']) store.append({ member, service: 'web', from: k, to: k + 1, samples: 1, mean: zero, p95: zero });
    expect(store.members('web')).toEqual(['a', 'b']);
    expect(store.members('none')).toEqual([]);
    const recent = store.recent('web', 2);
    expect(Object.keys(recent).sort()).toEqual(['a', 'b']);
    expect(recent.a.map((s) => s.to)).toEqual([4, 5]);
  });
});

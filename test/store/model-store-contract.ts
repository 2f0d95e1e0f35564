import { expect, it } from 'vitest';
import type { ModelStore, ModelVersion } from '../../store/model-store';

/**
 * The behaviour every ModelStore backend must have. `open()` returns a fresh, empty store; calling
 * `another()` on the result gives a second store on the same data (a second process's view).
 */
export interface ContractTarget {
  store: ModelStore;
  another(): ModelStore;
}

export function version(id: string, createdAt: string, model = 'ewma', service = 'web'): ModelVersion {
  return {
    id,
    service,
    model,
    createdAt,
    status: 'candidate',
    lineage: {
      dataWindow: { start: 'a', end: 'b', points: 10, stepSeconds: 60, source: 'csv' },
      parameters: { fitOptions: { seasons: [5] }, description: model },
      scores: { holdoutMase: 1, holdoutPoints: 2 },
      codeVersion: 'abc',
    },
    artifact: { model, version: 1, state: { level: 3.5 } },
  };
}

export function modelStoreContract(open: () => Promise<ContractTarget>): void {
  it('stores a version once by id and reads it back whole', async () => {
    const { store } = await open();
    expect(await store.put(version('v1', '2026-01-01'))).toBe(true);
    expect(await store.put({ ...version('v1', '2026-01-01'), model: 'changed' })).toBe(false);
    const v = await store.get('web', 'v1');
    expect(v).toEqual(version('v1', '2026-01-01'));
    expect(await store.get('web', 'missing')).toBeUndefined();
    expect(await store.services()).toEqual(['web']);
  });

  it('lists oldest first, filters by model, and pages through many versions', async () => {
    const { store } = await open();
    for (let i = 6; i >= 0; i--) await store.put(version(`v${i}`, `2026-01-0${i + 1}`, i % 2 ? 'ets' : 'ewma'));
    expect((await store.list('web')).map((v) => v.id)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    expect((await store.list('web', 'ets')).map((v) => v.id)).toEqual(['v1', 'v3', 'v5']);
    expect(await store.list('nobody')).toEqual([]);
  });

  it('promotes, retires the old champion, rejects and rolls back', async () => {
    const { store } = await open();
    await store.put(version('v1', '2026-01-01'));
    await store.put(version('v2', '2026-01-02'));
    await store.put(version('v3', '2026-01-03'));
    await store.promote('web', 'v1', 'test', 'first');
    expect((await store.promote('web', 'v2', 'test', 'better')).status).toBe('champion');
    expect((await store.champion('web', 'ewma'))!.id).toBe('v2');
    expect((await store.get('web', 'v1'))!.status).toBe('retired');
    expect(await store.reject('web', 'v3', 'worse')).toMatchObject({ status: 'rejected', verdict: 'worse' });
    expect((await store.rollback('web', 'ewma', 'me')).id).toBe('v1');
    expect((await store.champion('web', 'ewma'))!.id).toBe('v1');
    expect((await store.get('web', 'v2'))!.status).toBe('retired');
    expect((await store.promotions('web')).map((p) => [p.from, p.to, p.by])).toEqual([
      [undefined, 'v1', 'test'],
      ['v1', 'v2', 'test'],
      ['v2', 'v1', 'me'],
    ]);
    // Promoting the champion again changes nothing.
    await store.promote('web', 'v1', 'again', 'retry');
    expect(await store.promotions('web')).toHaveLength(3);
    expect(await store.champions('web')).toEqual({ ewma: 'v1' });
  });

  it('refuses unknown versions, impossible rollbacks and unsafe ids', async () => {
    const { store } = await open();
    await expect(store.promote('web', 'nope', 'x', 'y')).rejects.toThrow(/no model version nope for web; see `kinetic models list web`/);
    await store.put(version('v1', '2026-01-01'));
    await store.promote('web', 'v1', 'x', 'y');
    await expect(store.rollback('web', 'ewma', 'x')).rejects.toThrow(/web\/ewma: no earlier champion/);
    await expect(store.get('web', '../etc')).rejects.toThrow(/not a model version id/);
    await expect(store.get('web', '..')).rejects.toThrow(/not a model version id/);
  });

  it('loses no promotion when two stores promote concurrently', async () => {
    const target = await open();
    const models = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
    for (const m of models) await target.store.put(version(`${m}-v1`, '2026-01-01', m));
    const other = target.another();
    // Each model promoted by one of two stores at once: every promotion must reach the index.
    await Promise.all(models.map((m, i) => (i % 2 ? other : target.store).promote('web', `${m}-v1`, `p${i % 2}`, 'race')));
    expect(await target.store.champions('web')).toEqual(Object.fromEntries(models.map((m) => [m, `${m}-v1`])));
    expect((await other.promotions('web')).map((p) => p.to).sort()).toEqual(models.map((m) => `${m}-v1`));
  });

  it('keeps ensemble weight versions, idempotent by source, visible to another process', async () => {
    const { store, another } = await open();
    const base = { service: 'web', weights: { a: 0.25, b: 0.75 }, source: 'reweight-1', evaluatedThrough: 5, observations: 3, meanLoss: { a: 1 }, reason: 'x' };
    expect(await store.weights('web')).toEqual([]);
    expect((await store.appendWeights(base)).version).toBe(1);
    // A retried reweight gets the version it already wrote.
    expect(await another().appendWeights({ ...base, weights: { a: 1 } })).toMatchObject({ version: 1, weights: { a: 0.25, b: 0.75 } });
    expect((await another().appendWeights({ ...base, source: 'reweight-2', evaluatedThrough: 9 })).version).toBe(2);
    const history = await store.weights('web');
    expect(history.map((v) => [v.version, v.source, v.evaluatedThrough])).toEqual([
      [1, 'reweight-1', 5],
      [2, 'reweight-2', 9],
    ]);
    expect(Date.parse(history[1].createdAt)).not.toBeNaN();
    expect(await store.weights('api')).toEqual([]);
  });

  it('loses no weights version when two stores append concurrently', async () => {
    const target = await open();
    const other = target.another();
    const base = { service: 'web', weights: { a: 1 }, evaluatedThrough: 1, observations: 1, meanLoss: {}, reason: 'race' };
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : target.store).appendWeights({ ...base, source: `run-${i}` })));
    const history = await target.store.weights('web');
    expect(history.map((v) => v.source).sort()).toEqual(Array.from({ length: 6 }, (_, i) => `run-${i}`));
    expect(history.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });
}

import { expect, it } from 'vitest';
import type { PredictionRecord, PredictionStore } from '../../store/prediction-store';

/** What every PredictionStore backend does; `open()` returns a fresh, empty store. */
export const rec = (id: string, madeAt: number, service = 'web'): PredictionRecord => ({
  id,
  service,
  madeAt,
  stepSeconds: 60,
  targets: [madeAt + 60_000],
  perModel: { a: [1.25, 2.5] },
  ensemble: [1],
  weights: { a: 1 },
  weightsVersion: 1,
  peakP90: 1,
});

export function predictionStoreContract(open: () => Promise<PredictionStore>): void {
  it('appends once per id and reads a service’s records back whole, oldest first', async () => {
    const store = await open();
    expect(await store.append(rec('p2', 2_000))).toBe(true);
    expect(await store.append(rec('p1', 1_000))).toBe(true);
    expect(await store.append({ ...rec('p1', 1_000), peakP90: 99 })).toBe(false);
    expect(await store.append(rec('q1', 1_500, 'api'))).toBe(true);
    const web = await store.forService('web');
    expect(web.map((r) => r.id).sort()).toEqual(['p1', 'p2']);
    expect(web.find((r) => r.id === 'p1')).toEqual(rec('p1', 1_000));
    expect((await store.forService('api')).map((r) => r.id)).toEqual(['q1']);
    expect(await store.forService('nobody')).toEqual([]);
  });

  it('compacts evaluated predictions older than the retention, keeps recent and unevaluated ones', async () => {
    const store = await open();
    // madeAt 1..10; the reweight cursor is at 6; keep everything made at 4 or later.
    for (let i = 1; i <= 10; i++) await store.append(rec(`p${i}`, i));
    expect(await store.compact('web', { evaluatedThrough: 6, keepAfter: 4 })).toEqual({ kept: 7, dropped: 3, unreadable: 0 });
    expect((await store.forService('web')).map((r) => r.id)).toEqual(['p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10']);
    // Old but not yet evaluated: kept whatever the age.
    expect(await store.compact('web', { evaluatedThrough: 5, keepAfter: 100 })).toEqual({ kept: 5, dropped: 2, unreadable: 0 });
    expect((await store.forService('web')).map((r) => r.id)).toEqual(['p6', 'p7', 'p8', 'p9', 'p10']);
    // A second run drops nothing; appends stay idempotent after compaction.
    expect(await store.compact('web', { evaluatedThrough: 5, keepAfter: 100 })).toEqual({ kept: 5, dropped: 0, unreadable: 0 });
    expect(await store.append(rec('p6', 6))).toBe(false);
    expect(await store.append(rec('p11', 11))).toBe(true);
    expect(await store.compact('nobody', { evaluatedThrough: 9, keepAfter: 9 })).toEqual({ kept: 0, dropped: 0, unreadable: 0 });
  });
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileModelStore, ModelVersion } from '../../store/model-store';
import { PredictionStore } from '../../store/prediction-store';
import { WeightsStore } from '../../store/weights-store';

const root = () => mkdtempSync(join(tmpdir(), 'kinetic-stores-'));

function version(id: string, createdAt: string): ModelVersion {
  return {
    id,
    service: 'web',
    model: 'ewma',
    createdAt,
    status: 'candidate',
    lineage: {
      dataWindow: { start: 'a', end: 'b', points: 10, stepSeconds: 60, source: 'csv' },
      parameters: { fitOptions: {}, description: 'ewma' },
      scores: { holdoutMase: 1, holdoutPoints: 2 },
      codeVersion: 'abc',
    },
    artifact: { model: 'ewma', version: 1, state: {} },
  };
}

describe('model store', () => {
  it('stores versions once, promotes, retires the old champion and rolls back', () => {
    const s = new FileModelStore(root());
    expect(s.put(version('v1', '2026-01-01'))).toBe(true);
    expect(s.put({ ...version('v1', '2026-01-01'), model: 'changed' })).toBe(false); // idempotent by id
    s.put(version('v2', '2026-01-02'));
    s.promote('web', 'v1', 'test', 'first');
    s.promote('web', 'v2', 'test', 'better');
    expect(s.champion('web', 'ewma')!.id).toBe('v2');
    expect(s.get('web', 'v1')!.status).toBe('retired');
    expect(s.rollback('web', 'ewma', 'me').id).toBe('v1');
    expect(s.champion('web', 'ewma')!.id).toBe('v1');
    expect(s.get('web', 'v2')!.status).toBe('retired');
    expect(s.promotions('web').map((p) => [p.from, p.to])).toEqual([
      [undefined, 'v1'],
      ['v1', 'v2'],
      ['v2', 'v1'],
    ]);
    expect(s.list('web').map((v) => v.id)).toEqual(['v1', 'v2']);
    expect(() => s.get('web', '../etc')).toThrow(/not a model version id/);
  });
});

describe('weights and prediction stores', () => {
  it('are idempotent by source / id', () => {
    const r = root();
    const w = new WeightsStore(r);
    const base = { service: 'web', weights: { a: 1 }, source: 'run-1', evaluatedThrough: 5, observations: 3, meanLoss: {}, reason: 'x' };
    expect(w.append(base).version).toBe(1);
    expect(w.append(base).version).toBe(1);
    expect(w.append({ ...base, source: 'run-2' }).version).toBe(2);
    expect(w.current('web')!.source).toBe('run-2');

    const p = new PredictionStore(r);
    const rec = { id: 'x', service: 'web', madeAt: 1, stepSeconds: 60, targets: [2], perModel: { a: [1] }, ensemble: [1], weights: {}, weightsVersion: 0, peakP90: 1 };
    expect(p.append(rec)).toBe(true);
    expect(p.append(rec)).toBe(false);
    expect(p.forService('web')).toHaveLength(1);
  });
});

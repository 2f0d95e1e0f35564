import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PredictionStore } from '../../store/prediction-store';
import { WeightsStore } from '../../store/weights-store';

const root = () => mkdtempSync(join(tmpdir(), 'kinetic-stores-'));

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

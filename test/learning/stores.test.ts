import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModelStore } from '../../store/model-store';
import { createPredictionStore, FilePredictionStore } from '../../store/prediction-store';
import { FileWeightsStore, newestWeights } from '../../store/weights-store';

const root = () => mkdtempSync(join(tmpdir(), 'kinetic-stores-'));

describe('weights and prediction stores (files, the single-host default)', () => {
  it('weights live behind the model store: with modelStore.type file, under <stateDir>/weights', async () => {
    const r = root();
    const store = createModelStore({ type: 'file' }, r);
    const base = { service: 'web', weights: { a: 1 }, source: 'run-1', evaluatedThrough: 5, observations: 3, meanLoss: {}, reason: 'x' };
    expect((await store.appendWeights(base)).version).toBe(1);
    expect((await store.appendWeights(base)).version).toBe(1);
    expect((await store.appendWeights({ ...base, source: 'run-2' })).version).toBe(2);
    expect(newestWeights(await store.weights('web'))!.source).toBe('run-2');
    expect(existsSync(join(r, 'weights', 'web.json'))).toBe(true);
    // The file layout is the one earlier versions wrote: their history stays readable.
    expect((await new FileWeightsStore(r).history('web')).map((v) => v.version)).toEqual([1, 2]);
  });

  it('predictions: state.store file (or no state block) means JSON lines under <stateDir>/predictions', async () => {
    const r = root();
    const p = createPredictionStore(undefined, r);
    expect(p).toBeInstanceOf(FilePredictionStore);
    const rec = { id: 'x', service: 'web', madeAt: 1, stepSeconds: 60, targets: [2], perModel: { a: [1] }, ensemble: [1], weights: {}, weightsVersion: 0, peakP90: 1 };
    expect(await p.append(rec)).toBe(true);
    expect(await p.append(rec)).toBe(false);
    expect(await p.forService('web')).toHaveLength(1);
    expect(existsSync(join(r, 'predictions', 'web.jsonl'))).toBe(true);
  });

  it('state.store postgres without its environment variable names the field', () => {
    const state = { audit: 'file' as const, store: 'postgres' as const, postgres: { urlEnv: 'KINETIC_TEST_NO_SUCH_URL', schema: 'kinetic' } };
    expect(() => createPredictionStore(state, root())).toThrow(/^state\.postgres\.urlEnv: environment variable KINETIC_TEST_NO_SUCH_URL is not set/);
  });
});

import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PredictionRecord, PredictionStore } from '../../store/prediction-store';
import { createSandbox } from '../helpers/sandbox';

const rec = (id: string, madeAt: number): PredictionRecord => ({
  id,
  service: 'web',
  madeAt,
  stepSeconds: 60,
  targets: [madeAt + 60_000],
  perModel: { a: [1] },
  ensemble: [1],
  weights: { a: 1 },
  weightsVersion: 1,
  peakP90: 1,
});

describe('prediction store compaction', () => {
  it('drops evaluated predictions older than the retention, keeps recent and unevaluated ones', () => {
    const store = new PredictionStore(createSandbox().stateRoot);
    // madeAt 1..10; the reweight cursor is at 6; keep everything made at 4 or later.
    for (let i = 1; i <= 10; i++) store.append(rec(`p${i}`, i));
    expect(store.compact('web', { evaluatedThrough: 6, keepAfter: 4 })).toEqual({ kept: 7, dropped: 3, unreadable: 0 });
    expect(store.forService('web').map((r) => r.id)).toEqual(['p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10']);
    // Old but not yet evaluated: kept whatever the age.
    expect(store.compact('web', { evaluatedThrough: 5, keepAfter: 100 })).toEqual({ kept: 5, dropped: 2, unreadable: 0 });
    expect(store.forService('web').map((r) => r.id)).toEqual(['p6', 'p7', 'p8', 'p9', 'p10']);
    // Appends still work and stay idempotent after a rewrite.
    expect(store.append(rec('p6', 6))).toBe(false);
    expect(store.append(rec('p11', 11))).toBe(true);
  });

  it('is idempotent: a second run drops nothing and does not rewrite the file', () => {
    const store = new PredictionStore(createSandbox().stateRoot);
    for (let i = 1; i <= 5; i++) store.append(rec(`p${i}`, i));
    store.compact('web', { evaluatedThrough: 2, keepAfter: 3 });
    const before = statSync(store.file('web'));
    expect(store.compact('web', { evaluatedThrough: 2, keepAfter: 3 })).toEqual({ kept: 3, dropped: 0, unreadable: 0 });
    const after = statSync(store.file('web'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(store.compact('nobody', { evaluatedThrough: 9, keepAfter: 9 })).toEqual({ kept: 0, dropped: 0, unreadable: 0 });
  });

  it('removes a torn line left by a crash mid-append', () => {
    const store = new PredictionStore(createSandbox().stateRoot);
    store.append(rec('p1', 1));
    appendFileSync(store.file('web'), '{"id":"half');
    expect(store.compact('web', { evaluatedThrough: 0, keepAfter: 0 })).toEqual({ kept: 1, dropped: 0, unreadable: 1 });
    expect(readFileSync(store.file('web'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(store.append(rec('p2', 2))).toBe(true);
    expect(store.forService('web').map((r) => r.id)).toEqual(['p1', 'p2']);
  });

  it('loses no append made by another process while it compacts', async () => {
    const sb = createSandbox();
    const store = new PredictionStore(sb.stateRoot);
    for (let i = 0; i < 200; i++) store.append(rec(`old${i}`, i));
    const child = join(sb.dir, 'append.ts');
    writeFileSync(
      child,
      `import { PredictionStore } from ${JSON.stringify(join(process.cwd(), 'store/prediction-store'))};
const s = new PredictionStore(${JSON.stringify(sb.stateRoot)});
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; i < 150; i++, Atomics.wait(pause, 0, 0, 2)) s.append({ id: 'new' + i, service: 'web', madeAt: 1e12 + i, stepSeconds: 60, targets: [1], perModel: {}, ensemble: [], weights: {}, weightsVersion: 0, peakP90: 0 });
`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { cwd: process.cwd(), stdio: 'inherit' });
    const exited = new Promise<number | null>((res) => proc.on('exit', res));
    let done = false;
    void exited.then(() => (done = true));
    let compactions = 0;
    let interleaved = 0; // compactions that ran while the child was mid-way
    // Compact (dropping old ones a few at a time) for as long as the child appends.
    while (!done) {
      store.compact('web', { evaluatedThrough: 1e11, keepAfter: Math.min(200, compactions * 2) });
      const appended = store.forService('web').filter((r) => r.id.startsWith('new')).length;
      if (appended > 0 && appended < 150) interleaved++;
      compactions++;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await exited).toBe(0);
    store.compact('web', { evaluatedThrough: 1e11, keepAfter: 200 });
    const ids = store.forService('web').map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => `new${i}`));
    expect(interleaved).toBeGreaterThan(0);
  });
});

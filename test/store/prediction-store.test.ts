import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilePredictionStore } from '../../store/prediction-store';
import { createSandbox } from '../helpers/sandbox';
import { predictionStoreContract, rec } from './prediction-store-contract';

describe('file prediction store', () => {
  predictionStoreContract(async () => new FilePredictionStore(createSandbox().stateRoot));

  it('a compaction with nothing to drop does not rewrite the file', async () => {
    const store = new FilePredictionStore(createSandbox().stateRoot);
    for (let i = 1; i <= 5; i++) await store.append(rec(`p${i}`, i));
    await store.compact('web', { evaluatedThrough: 2, keepAfter: 3 });
    const before = statSync(store.file('web'));
    expect(await store.compact('web', { evaluatedThrough: 2, keepAfter: 3 })).toEqual({ kept: 3, dropped: 0, unreadable: 0 });
    const after = statSync(store.file('web'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('removes a torn line left by a crash mid-append', async () => {
    const store = new FilePredictionStore(createSandbox().stateRoot);
    await store.append(rec('p1', 1));
    appendFileSync(store.file('web'), '{"id":"half');
    expect(await store.compact('web', { evaluatedThrough: 0, keepAfter: 0 })).toEqual({ kept: 1, dropped: 0, unreadable: 1 });
    expect(readFileSync(store.file('web'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await store.append(rec('p2', 2))).toBe(true);
    expect((await store.forService('web')).map((r) => r.id)).toEqual(['p1', 'p2']);
  });

  it('loses no append made by another process while it compacts', async () => {
    const sb = createSandbox();
    const store = new FilePredictionStore(sb.stateRoot);
    for (let i = 0; i < 200; i++) await store.append(rec(`old${i}`, i));
    const child = join(sb.dir, 'append.ts');
    writeFileSync(
      child,
      `import { FilePredictionStore } from ${JSON.stringify(join(process.cwd(), 'store/prediction-store'))};
const s = new FilePredictionStore(${JSON.stringify(sb.stateRoot)});
(async () => {
  for (let i = 0; i < 150; i++) {
    await s.append({ id: 'new' + i, service: 'web', madeAt: 1e12 + i, stepSeconds: 60, targets: [1], perModel: {}, ensemble: [], weights: {}, weightsVersion: 0, peakP90: 0 });
    await new Promise((r) => setTimeout(r, 2));
  }
})();
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
      await store.compact('web', { evaluatedThrough: 1e11, keepAfter: Math.min(200, compactions * 2) });
      const appended = (await store.forService('web')).filter((r) => r.id.startsWith('new')).length;
      if (appended > 0 && appended < 150) interleaved++;
      compactions++;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await exited).toBe(0);
    await store.compact('web', { evaluatedThrough: 1e11, keepAfter: 200 });
    const ids = (await store.forService('web')).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => `new${i}`));
    expect(interleaved).toBeGreaterThan(0);
  });
});

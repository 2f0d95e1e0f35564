import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { packagesLoadedWhileRunning } from '../helpers/import-graph';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

const DANFO = /^danfojs-node$|^@tensorflow\//;
// Child processes through tsx on a loaded two-core machine: seconds each.
const SLOW = 180_000;

describe('danfojs is loaded lazily', () => {
  it.each(['--help', 'status --help', 'explain --help'])(
    'kinetic %s does not load danfojs or tfjs',
    async (command) => {
      const r = await packagesLoadedWhileRunning(join(REPO_ROOT, 'bin', 'kinetic.js'), command.split(' '), { cwd: REPO_ROOT });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage/);
      expect(r.packages).toContain('tsx'); // the probe saw the process's modules
      expect(r.packages.filter((p) => DANFO.test(p))).toEqual([]);
    },
    SLOW,
  );

  it('the worker CSV source loads it on the first timestamped read, once per process', async () => {
    const sb = createSandbox('kinetic-danfo-lazy-');
    const csv = join(sb.dir, 'rps.csv');
    writeFileSync(csv, ['ts,rps', '2026-01-01T00:00:00Z,1', '2026-01-01T00:01:00Z,2', '2026-01-01T00:03:00Z,4'].join('\n') + '\n');
    const script = join(sb.dir, 'read.ts');
    writeFileSync(
      script,
      `const { createMetricsSource } = require(${JSON.stringify(join(REPO_ROOT, 'metrics', 'index.ts'))});
       const { loadDanfo } = require(${JSON.stringify(join(REPO_ROOT, 'models', 'data', 'frames.ts'))});
       const danfo = () => Object.keys(require.cache).some((f) => f.includes('danfojs-node'));
       (async () => {
         const src = createMetricsSource({ source: 'csv', path: ${JSON.stringify(csv)}, valueColumn: 'rps', timeColumn: 'ts', metric: 'rps', stepSeconds: 60, historyPoints: 10 });
         const before = danfo();
         const end = new Date('2026-11-27T12:00:00Z');
         const s = await src.range('web', 'rps', new Date(end.getTime() - 600000), end, 60);
         console.log(JSON.stringify({ before, after: danfo(), once: loadDanfo() === loadDanfo(), values: s.values.map(String), gaps: s.gaps }));
       })();`,
    );
    const r = await packagesLoadedWhileRunning(script, [], { cwd: REPO_ROOT, tsx: true });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { before: boolean; after: boolean; once: boolean; values: string[]; gaps: unknown[] };
    expect(out.before).toBe(false);
    expect(out.after).toBe(true);
    expect(out.once).toBe(true);
    expect(out.values).toEqual(['1', '2', 'NaN', '4']);
    expect(out.gaps).toEqual([{ index: 2, length: 1 }]);
    expect(r.packages).toContain('danfojs-node');
  }, SLOW);

  it.each([
    ['with', true],
    ['without', false],
  ])('a worker whose services read timestamped CSVs loads it before it polls (%s a time column)', async (_, timed) => {
    const sb = createSandbox('kinetic-danfo-worker-');
    const csv = sb.csv('danfoworker', [1, 2, 3]);
    sb.writeConfig({ danfoworker: serviceConfig(csv, { metrics: { source: 'csv', path: csv, stepSeconds: 60, historyPoints: 10, ...(timed ? { timeColumn: 'ts' } : {}) } }) });
    const script = join(sb.dir, 'worker.ts');
    writeFileSync(
      script,
      `const { kineticDecisions } = require(${JSON.stringify(join(REPO_ROOT, 'plugins', 'index.ts'))});
       const danfo = () => Object.keys(require.cache).some((f) => f.includes('danfojs-node'));
       (async () => {
         const plugin = kineticDecisions({ config: ${JSON.stringify(sb.configPath)}, budgetWorker: false });
         const before = danfo();
         await plugin.configureWorker({ taskQueue: 'q', workflowBundle: { code: '' } });
         console.log(JSON.stringify({ before, after: danfo() }));
       })();`,
    );
    const r = await packagesLoadedWhileRunning(script, [], { cwd: REPO_ROOT, tsx: true });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { before: boolean; after: boolean };
    expect(out).toEqual({ before: false, after: timed });
  }, SLOW);
});

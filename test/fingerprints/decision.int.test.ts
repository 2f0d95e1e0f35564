import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainDecision } from '../../cli/explain';
import { fitChallenger } from '../../fingerprints/fit-version';
import type { MinuteSummary } from '../../fingerprints/summary';
import { createPulumiLocalProvisioner, processesOfPoolDir } from '../../provisioners/pulumi-local';
import { FingerprintModelStore } from '../../store/fingerprint-store';
import { TelemetryCollector } from '../../telemetry/collector';
import { poolMembers } from '../../telemetry/pool-members';
import { FileSummaryStore } from '../../telemetry/summary-store';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, withWorker, type TestTemporal } from '../helpers/temporal';

/**
 * Issue 17's "done when": fingerprints drive a capacity dimension in a real decision on the local
 * pool. Real pulumi-local members run the CPU-bound behaviour under load, the real collector writes
 * their summaries, a fingerprint model is fitted and promoted, and the next decision's plan is bound
 * by the cpu dimension. The first decision (no fitted model yet) falls back to the load-only plan.
 */
const SERVICE = 'fp-cpu-pool';
const BASE_PORT = poolPort(PORT_BLOCKS.fingerprintDecision, 0);
const TIMEOUTS = { stepSeconds: 60, forecastSeconds: 60, provisionSeconds: 120, heartbeatSeconds: 10, verifySeconds: 60 };
/** Per-instance CPU capacity (cores): small, so the pool's measured CPU needs more instances than the load. */
const CPU_PER_INSTANCE = 0.03;
const MAX_INSTANCES = 6;

const sb = createSandbox('kinetic-fp-decision-');
const summariesDir = join(sb.dir, 'telemetry');
let t: TestTemporal;

beforeAll(async () => {
  t = await connectTestTemporal();
  sb.writeConfig({
    'fp-cpu-pool': serviceConfig(sb.csv(SERVICE, flat(35)), {
      minInstances: 0,
      maxInstances: MAX_INSTANCES,
      provisioner: { type: 'pulumi-local', basePort: BASE_PORT, env: { SAMPLE_BEHAVIOUR: 'cpu', SAMPLE_CPU_MS: '20' } },
      fingerprints: { summariesDir, maxAge: '10m', capacity: { cpu: CPU_PER_INSTANCE, memoryMiB: 1_000_000 } },
    }),
  });
});

afterAll(async () => {
  const pool = createPulumiLocalProvisioner({ rootDir: join(sb.stateRoot, 'pulumi') });
  await pool.destroy(SERVICE).catch(() => undefined);
  expect(processesOfPoolDir(join(pool.paths.poolsRoot, SERVICE))).toEqual([]);
  await t?.close();
}, 180_000);

/** Requests at a steady rate through the pool's balancer until stopped. */
function driveLoad(url: string, perSecond: number): () => void {
  const timer = setInterval(() => get(url, (res) => res.resume()).on('error', () => undefined), 1000 / perSecond);
  return () => clearInterval(timer);
}

describe('fingerprints in a real decision on the local pool', () => {
  it('no fitted fingerprint model: the load-only plan, and the record says why; then the cpu dimension binds', async () => {
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const first = await t.kinetic.waitForDecision((await t.kinetic.startDecision('fp-cpu-pool', { timeouts: TIMEOUTS })).decisionId);
      expect(first.outcome).toBe('committed');
      // Flat demand 35 over 10 per instance: 4 instances from the load alone.
      expect(first.plan).toMatchObject({ from: 0, to: 4, needed: 4 });
      expect(first.plan?.fingerprints).toBeUndefined();
      expect(first.forecast?.fingerprints).toMatchObject({ status: 'fallback' });
      expect(first.forecast?.fingerprints?.reason).toMatch(/no fitted fingerprint model/);
      expect(explainDecision(first)).toMatch(/fingerprints not used: no fitted fingerprint model/);

      // The real collector on the real members, under load, with compressed periods.
      const members = (await poolMembers(`http://127.0.0.1:${BASE_PORT - 1}`)).map((m) => ({ ...m, service: SERVICE }));
      expect(members).toHaveLength(4);
      const store = new FileSummaryStore(summariesDir);
      const collector = new TelemetryCollector({ intervalMs: 100, summaryPeriodMs: 2000, featureWindowsS: [1, 2], persist: (s) => store.append(s) });
      collector.setMembers(members);
      collector.start();
      const stopLoad = driveLoad(`http://127.0.0.1:${BASE_PORT - 1}/`, 20);
      await new Promise((r) => setTimeout(r, 11_000));
      stopLoad();
      collector.stop();

      const models = new FingerprintModelStore(sb.stateRoot);
      const fitted = models.add({ ...(await fitChallenger(store.recent(SERVICE, 100), { service: SERVICE, horizonSteps: 1, holdBack: 1, stepMs: 2000, reason: 'test fit', now: Date.now() })), promotion: { promoted: true, reason: 'test' } });
      models.promote(SERVICE, fitted.version);

      // Independently of the planner: the newest summary of every member, straight from the files.
      const newest = members.map((m) => {
        const lines = readFileSync(join(summariesDir, SERVICE, `${m.id}.jsonl`), 'utf8').trim().split('\n');
        return JSON.parse(lines[lines.length - 1]) as MinuteSummary;
      });
      const p50 = newest.reduce((a, s) => a + s.mean.cpuCores, 0);
      const upper = newest.reduce((a, s) => a + Math.max(s.mean.cpuCores, s.p95.cpuCores), 0);
      const buffered = Math.min(Math.max(upper, p50 * 1.1), p50 * 1.2);
      const cpuNeed = Math.ceil(buffered / CPU_PER_INSTANCE);
      expect(cpuNeed).toBeGreaterThan(4); // the precondition: CPU, not load, must bind

      const second = await t.kinetic.waitForDecision((await t.kinetic.startDecision('fp-cpu-pool', { timeouts: TIMEOUTS })).decisionId);
      expect(second.outcome).toBe('committed');
      expect(second.forecast?.fingerprints).toMatchObject({ status: 'used', modelVersion: fitted.version });
      expect(second.plan?.fingerprints).toMatchObject({ bindingDimension: 'cpu', binds: true, needed: cpuNeed });
      expect(second.plan).toMatchObject({ from: 4, needed: cpuNeed, to: Math.min(cpuNeed, MAX_INSTANCES) });
      const cluster = fitted.fleet.clusters.map((c) => c.id);
      expect(second.plan?.reason).toMatch(new RegExp(`cpu binds \\(fingerprints\\): cluster (${cluster.join('|')}) supplies \\d+% of the upper demand`));
      const text = explainDecision(second);
      expect(text).toMatch(/fingerprints: cpu binds \(fingerprints\): cluster c\d+/);
      expect(text).toMatch(new RegExp(`fingerprints \\(model v${fitted.version}, 1 periods ahead\\): c\\d+ ×\\d`));
    });
  }, 400_000);
});

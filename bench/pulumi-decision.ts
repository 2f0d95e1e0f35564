/**
 * npm run bench:pulumi-decision — where a decision's wall time goes when it provisions through
 * pulumi-local: the saga's own steps vs. the Pulumi engine (refresh while loading the context,
 * `up` while applying, health checks while verifying). Real dev server, real processes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { KineticClient } from '../client';
import { toolPath } from '../config/tools';
import { createPulumiLocalProvisioner } from '../provisioners/pulumi-local';
import { createKineticWorker } from '../worker';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import type { DecisionRecord } from '../decision/record';

const span = (r: DecisionRecord, from: string, to: string) => Date.parse(r.timings[to]) - Date.parse(r.timings[from]);

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: toolPath('temporal') }, searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-pulumi-'));
  const config = join(dir, 'kinetic.yaml');
  const svc = {
    metrics: { source: 'csv', path: join(dir, 'd.csv'), stepSeconds: 60, historyPoints: 30 }, seasons: [5],
    capacityPerInstance: 10, targetUtilization: 1, minInstances: 0, maxInstances: 10, leadTime: '2m', decisionInterval: '1m',
    cooldown: '0s', scaleInStabilization: '0s', maxStepChange: 10, approval: { autoApprove: { maxStepChange: 10 } },
    budget: { monthly: 1e6 }, pricing: { hourlyPerInstance: 0.1 }, provisioner: { type: 'pulumi-local', basePort: 22101, env: { SAMPLE_CPU_MS: '1' } },
  };
  writeFileSync(config, stringify({ version: 1, taskQueue: 'bench-pulumi', stateDir: 'state', auth: { mode: 'unverified' }, services: { bench: svc } }));
  const worker = await createKineticWorker({ connection: env.nativeConnection, taskQueue: 'bench-pulumi', configPath: config });
  const kinetic = new KineticClient(env.client, 'bench-pulumi');
  const rows: Array<Record<string, number | string>> = [];
  await worker.runUntil(async () => {
    for (const target of [2, 8, 2, 8, 2]) {
      writeFileSync(svc.metrics.path, ['value', ...Array(30).fill(target * 10)].join('\n'));
      const s = await kinetic.startDecision('bench', { trigger: { kind: 'test', by: 'bench' } });
      const r = await kinetic.waitForDecision(s.decisionId);
      const wall = Date.parse(r.finishedAt!) - Date.parse(r.startedAt);
      const context = span(r, 'startedAt', 'forecast');
      const apply = span(r, 'provision', 'verify');
      const verify = span(r, 'verify', 'commit');
      rows.push({ step: `${r.plan?.from}→${r.plan?.to}`, outcome: r.outcome ?? '', wallMs: wall, contextRefreshMs: context, upMs: apply, verifyMs: verify, sagaOtherMs: wall - context - apply - verify, pulumiShare: Number(((context + apply) / wall).toFixed(2)) });
    }
  });
  await createPulumiLocalProvisioner({ rootDir: join(dir, 'state', 'pulumi') }).destroy('bench');
  await env.teardown();
  console.log(JSON.stringify(rows, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * npm run bench:saga — decisions with the dry-run provisioner through a real Temporal dev server.
 * 1) sequential: p50/p99 start-to-close latency; 2) 200 decisions, 50 in flight: decisions/s;
 * 3) where the time goes, from the workflow histories (queueing vs. activity vs. workflow tasks).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { KineticClient } from '../client';
import { toolPath } from '../config/tools';
import { createKineticWorker } from '../worker';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 50);
const TOTAL = Number(process.env.BENCH_TOTAL ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 50);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function writeConfig(dir: string, services: number): string {
  const csv = join(dir, 'demand.csv');
  writeFileSync(csv, ['value', ...Array.from({ length: 60 }, (_, i) => (i % 2 ? 55 : 45))].join('\n'));
  const svc = (i: number) => ({
    metrics: { source: 'csv', path: csv, stepSeconds: 60, historyPoints: 60 },
    seasons: [2],
    capacityPerInstance: 10, targetUtilization: 1, minInstances: 1, maxInstances: 40,
    leadTime: '2m', decisionInterval: '1m', cooldown: '0s', scaleInStabilization: '0s', maxStepChange: 40,
    approval: { autoApprove: { maxStepChange: 40 } }, budget: { monthly: 1e9 }, pricing: { hourlyPerInstance: 0.1 },
    // Alternate fleets so every decision really changes capacity.
    provisioner: { type: 'dry-run', initialInstances: 2 + (i % 3) },
  });
  const config = join(dir, 'kinetic.yaml');
  const services_: Record<string, unknown> = {};
  for (let i = 0; i < services; i++) services_[`svc-${i}`] = svc(i);
  writeFileSync(config, stringify({ version: 1, taskQueue: 'bench', stateDir: 'state', services: services_ }));
  return config;
}

interface Breakdown {
  activityQueueMs: number;
  activityRunMs: number;
  workflowTaskMs: number;
  total: number;
}

async function breakdown(client: Client, workflowId: string, runId: string): Promise<Breakdown> {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const t = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
    Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  const byId = new Map<number, number>();
  const out: Breakdown = { activityQueueMs: 0, activityRunMs: 0, workflowTaskMs: 0, total: 0 };
  const events = h.events ?? [];
  for (const e of events) {
    const id = Number(e.eventId);
    byId.set(id, t(e));
    if (e.activityTaskStartedEventAttributes) out.activityQueueMs += t(e) - byId.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId))!;
    if (e.activityTaskCompletedEventAttributes) out.activityRunMs += t(e) - byId.get(Number(e.activityTaskCompletedEventAttributes.startedEventId))!;
    if (e.workflowTaskCompletedEventAttributes) out.workflowTaskMs += t(e) - byId.get(Number(e.workflowTaskCompletedEventAttributes.scheduledEventId))!;
  }
  out.total = t(events[events.length - 1]) - t(events[0]);
  return out;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: toolPath('temporal') }, searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-'));
  const configPath = writeConfig(dir, Math.max(IN_FLIGHT, 1));
  const worker = await createKineticWorker({ connection: env.nativeConnection, taskQueue: 'bench', configPath });
  const kinetic = new KineticClient(env.client, 'bench');
  const results = await worker.runUntil(async () => {
    const decide = async (service: string) => {
      const t0 = performance.now();
      const s = await kinetic.startDecision(service, { trigger: { kind: 'test', by: 'bench' } });
      const rec = await kinetic.waitForDecision(s.decisionId);
      if (rec.outcome !== 'committed' && rec.outcome !== 'no-change') throw new Error(`unexpected outcome ${rec.outcome}: ${rec.reason}`);
      return { ms: performance.now() - t0, rec };
    };
    await decide('svc-0'); // warm-up: bundle caches, first connections
    const seq: number[] = [];
    const seqRecs = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const r = await decide(`svc-${i % IN_FLIGHT}`);
      seq.push(r.ms);
      seqRecs.push(r.rec);
    }
    const t0 = performance.now();
    let next = 0;
    const lanes = Array.from({ length: IN_FLIGHT }, async (_, lane) => {
      while (next < TOTAL) {
        next++;
        await decide(`svc-${lane}`);
      }
    });
    await Promise.all(lanes);
    const seconds = (performance.now() - t0) / 1000;
    const sample = await Promise.all(seqRecs.slice(0, 20).map((r) => breakdown(env.client, r.workflowId, r.runId)));
    return { seq, seconds, sample };
  });
  await env.teardown();
  const avg = (k: keyof Breakdown) => results.sample.reduce((a, b) => a + b[k], 0) / results.sample.length;
  const report = {
    sequential: { decisions: SEQUENTIAL, p50Ms: Math.round(percentile(results.seq, 0.5)), p99Ms: Math.round(percentile(results.seq, 0.99)) },
    concurrent: { decisions: TOTAL, inFlight: IN_FLIGHT, seconds: Number(results.seconds.toFixed(2)), perSecond: Number((TOTAL / results.seconds).toFixed(1)) },
    whereTheTimeGoesMs: {
      serverSideTotal: Math.round(avg('total')),
      activityQueueing: Math.round(avg('activityQueueMs')),
      activityExecution: Math.round(avg('activityRunMs')),
      workflowTasks: Math.round(avg('workflowTaskMs')),
    },
  };
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

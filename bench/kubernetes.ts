/**
 * npm run bench:kubernetes — a decision scaling a Deployment 2→10 on the kwok test cluster
 * (test/helpers/kubernetes.ts): wall time from decision start to replicas Ready, split into the
 * saga's own steps, the Pulumi step (of which the engine's `up`) and the Kubernetes rollout
 * (verification until 10 Ready, and the pods' own created → Ready span from the API server). Also the cluster start time. Real dev server, real control plane.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stringify } from 'yaml';
import { KineticClient } from '../client';
import { toolPath } from '../config/tools';
import { createKineticWorker } from '../worker';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import type { DecisionRecord } from '../decision/record';
import { applyAs, createNamespace, startCluster } from '../test/helpers/kubernetes';

const span = (r: DecisionRecord, from: string, to: string) => Date.parse(r.timings[to]) - Date.parse(r.timings[from]);

interface Pod {
  metadata: { creationTimestamp: string; deletionTimestamp?: string };
  status?: { conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> };
}

/**
 * The Kubernetes rollout as the API server recorded it: from the first pod created after `since`
 * to the last of them Ready (the API server's timestamps have 1 s resolution). With the Patch's
 * await skipped the rollout overlaps the end of the engine's `up`, so it is measured here, not
 * from the saga's stages.
 */
async function rolloutMs(api: TestClusterApi, ns: string, since: number): Promise<number | string> {
  const pods = (await api.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`)).items.filter((p) => !p.metadata.deletionTimestamp && Date.parse(p.metadata.creationTimestamp) >= Math.floor(since / 1000) * 1000);
  if (pods.length === 0) return 'no new pods';
  const created = Math.min(...pods.map((p) => Date.parse(p.metadata.creationTimestamp)));
  const ready = Math.max(...pods.map((p) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? 'x')));
  return Number.isNaN(ready) ? 'not all Ready' : ready - created;
}
type TestClusterApi = Awaited<ReturnType<typeof startCluster>>['api'];

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cluster = await startCluster();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: toolPath('temporal') }, searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' } },
  });
  const ns = await createNamespace(cluster.api, 'bench');
  const labels = { app: 'web' };
  await applyAs(cluster.api, `/apis/apps/v1/namespaces/${ns}/deployments/web`, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'example/web:1', resources: { requests: { cpu: '100m' } } }] } } },
  }, 'manifest');
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-bench-k8s-'));
  const config = join(dir, 'kinetic.yaml');
  const svc = {
    metrics: { source: 'csv', path: join(dir, 'd.csv'), stepSeconds: 60, historyPoints: 30 }, seasons: [5],
    capacityPerInstance: 10, targetUtilization: 1, minInstances: 1, maxInstances: 20, leadTime: '2m', decisionInterval: '1m',
    cooldown: '0s', scaleInStabilization: '0s', maxStepChange: 10, approval: { autoApprove: { maxStepChange: 10 } },
    budget: { monthly: 1e6 }, pricing: { hourlyPerInstance: 0.1 },
    provisioner: { type: 'pulumi-kubernetes', kubeconfig: cluster.kubeconfig, workload: { namespace: ns, name: 'web' }, verifyPoll: '1s' },
  };
  writeFileSync(config, stringify({ version: 1, taskQueue: 'bench-k8s', stateDir: 'state', auth: { mode: 'unverified' }, services: { benchk8s: svc } }));
  const worker = await createKineticWorker({ connection: env.nativeConnection, taskQueue: 'bench-k8s', configPath: config });
  const kinetic = new KineticClient(env.client, 'bench-k8s');
  const rows: Array<Record<string, number | string>> = [];
  await worker.runUntil(async () => {
    for (const target of [2, 10, 2, 10, 2, 10]) {
      writeFileSync(svc.metrics.path, ['value', ...Array(30).fill(target * 10)].join('\n'));
      const s = await kinetic.startDecision('benchk8s', { trigger: { kind: 'test', by: 'bench' } });
      const r = await kinetic.waitForDecision(s.decisionId);
      const podsReady = await rolloutMs(cluster.api, ns, Date.parse(r.startedAt));
      const wall = Date.parse(r.finishedAt!) - Date.parse(r.startedAt);
      const pulumi = span(r, 'provision', 'verify');
      const rollout = span(r, 'verify', 'commit');
      const engine = Number(r.provisioning?.after?.details?.engineMs ?? NaN);
      rows.push({ step: `${r.plan?.from}→${r.plan?.to}`, outcome: r.outcome ?? '', wallMs: wall, pulumiStepMs: pulumi, engineUpMs: engine, verifyMs: rollout, podsCreatedToReadyMs: podsReady, sagaOtherMs: wall - pulumi - rollout });
    }
  });
  await env.teardown();
  await cluster.close();
  console.log(JSON.stringify({ clusterStartMs: cluster.startMs, rows }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

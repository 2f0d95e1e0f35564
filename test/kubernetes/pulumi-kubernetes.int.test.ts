import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiKubernetesProvisioner, type PulumiKubernetesProvisioner } from '../../provisioners/pulumi-kubernetes';
import type { KubernetesTarget } from '../../provisioners/pulumi-kubernetes/spec';
import { readHpa, readWorkload } from '../../provisioners/pulumi-kubernetes/workload';
import { ProvisionError } from '../../provisioners/errors';
import { applyAs, createNamespace, startCluster, type TestCluster } from '../helpers/kubernetes';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, type TestTemporal, withWorker } from '../helpers/temporal';

/**
 * pulumi-kubernetes against a real control plane (etcd, kube-apiserver, controller-manager,
 * scheduler; kwok for the node) and the real Pulumi engine with the built Kubernetes provider.
 */
let cluster: TestCluster;
let t: TestTemporal;
const provisioners: PulumiKubernetesProvisioner[] = [];

beforeAll(async () => {
  cluster = await startCluster();
  console.log(`[k8s] test cluster started in ${cluster.startMs} ms`);
  t = await connectTestTemporal();
}, 240_000);
afterAll(async () => {
  for (const p of provisioners) p.close();
  await t?.close();
  await cluster?.close();
}, 60_000);

const LABELS = { app: 'web' };

/** A Deployment whose spec.replicas nobody owns (no replicas in the manifest: the default 1 is unowned). */
async function deployment(ns: string, name: string, cpu = '100m'): Promise<void> {
  await applyAs(
    cluster.api,
    `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        selector: { matchLabels: LABELS },
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'web', image: 'example/web:1', resources: { requests: { cpu, memory: '64Mi' } } }] } },
      },
    },
    'manifest',
  );
}

function provisioner(ns: string, service: string, extra: Partial<KubernetesTarget> = {}, verifyTimeoutMs = 60_000): PulumiKubernetesProvisioner {
  const p = createPulumiKubernetesProvisioner({
    rootDir: mkdtempSync(join(tmpdir(), 'kinetic-k8s-state-')),
    kubeconfig: cluster.kubeconfig,
    target: { service, kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic', ...extra },
    verifyTimeoutMs,
    verifyPollMs: 500,
  });
  provisioners.push(p);
  return p;
}

const plan = (service: string, decisionId: string, total: number) => ({ decisionId, service, tiers: { default: total }, total });

describe('pulumi-kubernetes on a real control plane', () => {
  it('replicas mode: scale-out and scale-in through the engine, Ready replicas observed; a manual edit shows as drift', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-replicas');
    await deployment(ns, 'web');
    const p = provisioner(ns, 'k8s-web');
    expect((await p.current('k8s-web')).total).toBe(1);

    const out = await p.apply(plan('k8s-web', 'd-out', 5));
    expect(out).toMatchObject({ changed: true, previous: { total: 1 }, applied: { total: 5 } });
    const v = await p.verify(plan('k8s-web', 'd-out', 5));
    expect(v).toMatchObject({ ok: true, expected: 5, healthy: 5 });
    const w = await readWorkload(cluster.api, { service: 'k8s-web', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' });
    expect(w).toMatchObject({ replicas: 5, readyReplicas: 5, replicasOwner: 'kinetic' });

    // A retry of the same decision: same `previous`, no engine run.
    const again = await p.apply(plan('k8s-web', 'd-out', 5));
    expect(again).toMatchObject({ changed: false, previous: { total: 1 } });

    const inn = await p.apply(plan('k8s-web', 'd-in', 2));
    expect(inn).toMatchObject({ changed: true, previous: { total: 5 }, applied: { total: 2 } });
    expect(await p.verify(plan('k8s-web', 'd-in', 2))).toMatchObject({ ok: true, expected: 2, healthy: 2 });

    // Someone scales by hand (another manager, forced): current() reads the API server and says so.
    await applyAs(cluster.api, `/apis/apps/v1/namespaces/${ns}/deployments/web`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } }, 'oncall');
    const now = await p.current('k8s-web');
    expect(now.total).toBe(3);
    expect(String(now.details?.drift)).toMatch(/spec.replicas is 3 in the cluster but Kinetic last applied 2/);
  });

  it('a field another manager owns is a named FieldManagerConflict, and nothing changes', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-conflict');
    await deployment(ns, 'web');
    await applyAs(cluster.api, `/apis/apps/v1/namespaces/${ns}/deployments/web`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 2 } }, 'gitops');
    const p = provisioner(ns, 'k8s-conflict');
    const err = await p.apply(plan('k8s-conflict', 'd-c', 4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).failureType).toBe('FieldManagerConflict');
    expect((err as ProvisionError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/FieldManagerConflict: Deployment k8s-conflict\/web spec.replicas is owned by "gitops"/);
    expect((await p.current('k8s-conflict')).total).toBe(2);
  });

  it('hpa-floor: raises and lowers the HPA minReplicas, the HPA is otherwise untouched, the HPA scales the workload to the floor', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-hpa');
    await deployment(ns, 'web');
    const hpaPath = `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/web`;
    const hpaSpec = {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 12,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    };
    await applyAs(cluster.api, hpaPath, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: ns }, spec: hpaSpec }, 'manifest');
    // The spec as stored (with the API server's defaults): only minReplicas may differ afterwards.
    const before = (await cluster.api.get<{ spec: Record<string, unknown> }>(hpaPath)).spec;
    expect(before).toMatchObject(hpaSpec);
    const p = provisioner(ns, 'k8s-hpa', { mode: 'hpa-floor' });
    const target = { service: 'k8s-hpa', kind: 'Deployment', namespace: ns, name: 'web', mode: 'hpa-floor', hpa: 'web', fieldManager: 'kinetic' } as const;
    expect((await p.current('k8s-hpa')).total).toBe(1);

    const up = await p.apply(plan('k8s-hpa', 'd-floor-up', 4));
    expect(up).toMatchObject({ changed: true, previous: { total: 1 }, applied: { total: 4 } });
    // The HPA controller (not Kinetic) raises the Deployment to the new floor.
    expect(await p.verify(plan('k8s-hpa', 'd-floor-up', 4))).toMatchObject({ ok: true, expected: 4 });
    expect((await readWorkload(cluster.api, target)).readyReplicas).toBeGreaterThanOrEqual(4);
    const after = await cluster.api.get<{ spec: Record<string, unknown> }>(hpaPath);
    expect(after.spec).toEqual({ ...before, minReplicas: 4 });

    const down = await p.apply(plan('k8s-hpa', 'd-floor-down', 2));
    expect(down).toMatchObject({ changed: true, previous: { total: 4 }, applied: { total: 2 } });
    expect((await readHpa(cluster.api, target)).minReplicas).toBe(2);
    expect((await cluster.api.get<{ spec: Record<string, unknown> }>(hpaPath)).spec).toEqual({ ...before, minReplicas: 2 });
    // Kinetic never took spec.replicas of the workload in this mode.
    expect((await readWorkload(cluster.api, target)).replicasOwner).not.toBe('kinetic');
  });

  it('verification names the Pending reason when pods cannot be scheduled', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-pending');
    await deployment(ns, 'web', '64'); // 64 cores: the 8-core node can never fit one
    // Verification reads only the API server: the replicas are set by another manager here.
    await applyAs(cluster.api, `/apis/apps/v1/namespaces/${ns}/deployments/web`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } }, 'oncall');
    const p = provisioner(ns, 'k8s-pending', {}, 5_000);
    expect((await p.current('k8s-pending')).total).toBe(3);
    const v = await p.verify(plan('k8s-pending', 'd-p', 3));
    expect(v.ok).toBe(false);
    expect(v.healthy).toBe(0);
    expect(v.reasons.join('\n')).toMatch(/Pending: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
  });
});

describe('the saga with pulumi-kubernetes', () => {
  function sandbox(service: string, ns: string, extra: Record<string, unknown> = {}) {
    const sb = createSandbox('kinetic-k8s-');
    sb.writeConfig({
      [service]: serviceConfig(sb.csv(service, flat(35)), {
        minInstances: 1,
        provisioner: { type: 'pulumi-kubernetes', kubeconfig: cluster.kubeconfig, workload: { namespace: ns, name: 'web' }, verifyTimeout: '20s', verifyPoll: '1s', ...extra },
      }),
    });
    return sb;
  }
  const TIMEOUTS = { stepSeconds: 60, forecastSeconds: 30, provisionSeconds: 120, heartbeatSeconds: 10, verifySeconds: 60 };

  it('a decision scales the Deployment out and its replicas are Ready', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-saga');
    await deployment(ns, 'web');
    const sb = sandbox('k8s-saga-web', ns);
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('k8s-saga-web', { timeouts: TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.plan).toMatchObject({ from: 1, to: 4 });
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    const w = await readWorkload(cluster.api, { service: 'k8s-saga-web', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' });
    expect(w).toMatchObject({ replicas: 4, readyReplicas: 4 });
  });
});

import { join } from 'node:path';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPulumiKubernetesProvisioner, type PulumiKubernetesProvisioner } from '../../provisioners/pulumi-kubernetes';
import type { KubernetesTarget } from '../../provisioners/pulumi-kubernetes/spec';
import { readHpa, readWorkload } from '../../provisioners/pulumi-kubernetes/workload';
import { ProvisionError } from '../../provisioners/errors';
import type { ConfigTemplate } from '../../planning/vertical';
import { applyAs, createNamespace, startCluster, type TestCluster } from '../helpers/kubernetes';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, type TestTemporal, withWorker } from '../helpers/temporal';
import { killWorker, startWorkerProcess } from '../helpers/worker-process';
import { FileAuditLog } from '../../store/audit';
import { kinetic } from '../helpers/cli';

/**
 * pulumi-kubernetes against a real control plane (etcd, kube-apiserver, controller-manager,
 * scheduler; kwok for the node) and the real Pulumi engine with the built Kubernetes provider.
 */
let cluster: TestCluster;
let t: TestTemporal;
const provisioners: PulumiKubernetesProvisioner[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await startCluster();
  console.log(`[k8s] test cluster started in ${cluster.startMs} ms`);
  t = await connectTestTemporal();
}, 240_000);
afterAll(async () => {
  for (const c of children) await killWorker(c);
  for (const p of provisioners) p.close();
  await t?.close();
  await cluster?.close();
}, 60_000);

const LABELS = { app: 'web' };

/** Pids of the `pulumi up` CLIs whose environment points into `dir` (the Pulumi home of a sandbox's worker). */
function pulumiUpsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0');
      if (!/(^|\/)pulumi$/.test(argv[0]) || !argv.includes('up')) continue;
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(dir)) pids.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * A Deployment whose spec.replicas nobody owns (no replicas in the manifest: the default 1 is unowned).
 * `cpu: null`: no resources and no strategy in the manifest, so Kinetic's templates may own them.
 */
async function deployment(ns: string, name: string, cpu: string | null = '100m'): Promise<void> {
  const resources = cpu === null ? {} : { resources: { requests: { cpu, memory: '64Mi' } } };
  const strategy = cpu === null ? {} : { strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };
  await applyAs(
    cluster.api,
    `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        selector: { matchLabels: LABELS },
        ...strategy,
        template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'web', image: 'example/web:1', ...resources }] } },
      },
    },
    'manifest',
  );
}

function provisioner(ns: string, service: string, extra: Partial<KubernetesTarget> = {}, verifyTimeoutMs = 60_000, templates?: ConfigTemplate[]): PulumiKubernetesProvisioner {
  const p = createPulumiKubernetesProvisioner({
    templates,
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

  it('hpa-floor with a template: the floor and the container resources change, the replicas stay the HPA\'s; rollback releases both', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-hpa-tpl');
    await deployment(ns, 'web', null);
    const hpaPath = `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/web`;
    await applyAs(
      cluster.api,
      hpaPath,
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: ns }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 8 } },
      'manifest',
    );
    const v1 = { requests: { cpu: '150m', memory: '80Mi' }, limits: { cpu: '300m' } };
    const p = provisioner(ns, 'k8s-hpa-tpl', { mode: 'hpa-floor' }, 60_000, [{ version: 1, computeType: 'pod', instanceTypes: [], resources: v1 }]);
    const target = { service: 'k8s-hpa-tpl', kind: 'Deployment', namespace: ns, name: 'web', mode: 'hpa-floor', hpa: 'web', fieldManager: 'kinetic' } as const;
    const containers = async () => (await cluster.api.get<{ spec: { template: { spec: { containers: Array<{ resources?: unknown }> } } } }>(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).spec.template.spec.containers;

    const up = await p.apply({ ...plan('k8s-hpa-tpl', 'd-tpl', 3), templateVersion: 1 });
    expect(up).toMatchObject({ changed: true, previous: { total: 1 }, applied: { total: 3, templateVersion: 1, details: { resources: v1 } } });
    expect(up.previous.templateVersion).toBeUndefined();
    expect(await p.verify(plan('k8s-hpa-tpl', 'd-tpl', 3))).toMatchObject({ ok: true, expected: 3 });
    expect((await containers())[0].resources).toEqual(v1);
    expect((await readWorkload(cluster.api, target)).replicasOwner).not.toBe('kinetic');

    // Back to before: the floor returns and Kinetic's resources go (nobody else set them).
    const back = await p.rollback(up.previous);
    expect(back).toMatchObject({ total: 1 });
    expect(back.templateVersion).toBeUndefined();
    expect((await readHpa(cluster.api, target)).minReplicas).toBe(1);
    expect((await containers())[0].resources).toEqual({});
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

  interface LiveDeployment {
    spec: { strategy?: { rollingUpdate?: Record<string, unknown> }; template: { spec: { containers: Array<{ name: string; resources?: unknown }> } } };
  }
  /** The container's resources and the RollingUpdate bounds as the API server stores them. */
  async function podTemplate(ns: string) {
    const d = await cluster.api.get<LiveDeployment>(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
    return { resources: d.spec.template.spec.containers.find((c) => c.name === 'web')?.resources, rollingUpdate: d.spec.strategy?.rollingUpdate };
  }
  /** Every pod of the Deployment: its phase and its container's resources. */
  async function pods(ns: string) {
    const list = await cluster.api.get<{ items: Array<{ status?: { phase?: string }; spec: { containers: Array<{ resources?: unknown }> }; metadata: { deletionTimestamp?: string } }> }>(
      `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`,
    );
    return list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => ({ phase: p.status?.phase, resources: p.spec.containers[0].resources }));
  }
  async function approved(service: string) {
    const s = await t.kinetic.startDecision(service, { timeouts: TIMEOUTS });
    const deadline = Date.now() + 60_000;
    while ((await t.kinetic.getDecision(s.decisionId)).stage !== 'approval') {
      if (Date.now() > deadline) throw new Error('the vertical change never asked for approval');
      await new Promise((r) => setTimeout(r, 200));
    }
    await t.kinetic.approve(s.decisionId, 'alice@example.com');
    return t.kinetic.waitForDecision(s.decisionId);
  }

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

  it('pods stuck Pending: the decision ends rolled-back with the Pending reason and the replicas restored', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-saga-pending');
    await deployment(ns, 'web', '64'); // 64 cores: the 8-core node never fits one
    const sb = sandbox('k8s-saga-pending', ns, { verifyTimeout: '5s', verifyPoll: '1s' });
    const t0 = Date.now();
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('k8s-saga-pending', { timeouts: TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    console.log(`[k8s] rolled-back decision in ${Date.now() - t0} ms`);
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.plan).toMatchObject({ from: 1, to: 4 });
    expect(rec.verification).toMatchObject({ ok: false, expected: 4 });
    expect(rec.verification?.reasons.join('\n')).toMatch(/Pending: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
    expect(rec.compensation.find((c) => c.step === 'rollback capacity')).toMatchObject({ ok: true });
    const w = await readWorkload(cluster.api, { service: 'k8s-saga-pending', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' });
    expect(w.replicas).toBe(1);
  });

  it('templates: a new template rolls the container resources; one no node can fit ends rolled-back, back on the previous resources', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-saga-vertical');
    await deployment(ns, 'web', null);
    const v1 = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
    const v2 = { requests: { cpu: '250m', memory: '96Mi' }, limits: { cpu: '500m', memory: '192Mi' } };
    const templates = [
      { version: 1, resources: v1, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      { version: 2, resources: v2, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
      // 64 cores: the 8-core node never fits one pod of it.
      { version: 3, resources: { requests: { cpu: '64', memory: '96Mi' } }, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    ];
    const sb = createSandbox('kinetic-k8s-');
    const csv = sb.csv('k8s-saga-vertical', flat(35));
    const write = (activeTemplate: number) =>
      sb.writeConfig({
        'k8s-saga-vertical': serviceConfig(csv, {
          minInstances: 1,
          templates,
          activeTemplate,
          provisioner: { type: 'pulumi-kubernetes', kubeconfig: cluster.kubeconfig, workload: { namespace: ns, name: 'web' }, verifyTimeout: '20s', verifyPoll: '1s' },
        }),
      });

    // v1 with the first scale-out: Kinetic takes the container's resources.
    write(1);
    const first = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('k8s-saga-vertical', { timeouts: TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(first.outcome, `${first.reason} ${JSON.stringify(first.verification)}`).toBe('committed');
    expect(first.plan).toMatchObject({ from: 1, to: 4, templateVersion: 1 });
    expect(await podTemplate(ns)).toEqual({ resources: v1, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect((await pods(ns)).map((p) => p.resources)).toEqual([v1, v1, v1, v1]);

    // v2: a rolling update, approved by a person, every pod Ready on the new resources.
    write(2);
    const second = await withWorker(t, { configPath: sb.configPath }, () => approved('k8s-saga-vertical'));
    expect(second.outcome, `${second.reason} ${JSON.stringify(second.verification)}`).toBe('committed');
    expect(second.plan?.vertical).toMatchObject({ fromVersion: 1, toVersion: 2, rollbackVersion: 1 });
    expect(second.plan?.vertical?.summary).toMatch(/requests cpu 250m memory 96Mi; limits cpu 500m memory 192Mi/);
    expect(second.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    expect(await podTemplate(ns)).toEqual({ resources: v2, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } });
    const rolled = await pods(ns);
    expect(rolled.map((p) => [p.phase, p.resources])).toEqual([...Array(4)].map(() => ['Running', v2]));

    // v3 cannot be scheduled: verification names the Pending pods, the rollback returns to v2.
    write(3);
    const third = await withWorker(t, { configPath: sb.configPath }, () => approved('k8s-saga-vertical'));
    expect(third.outcome, `${third.reason} ${JSON.stringify(third.verification)}`).toBe('rolled-back');
    expect(third.plan?.vertical).toMatchObject({ fromVersion: 2, toVersion: 3 });
    expect(third.verification?.ok).toBe(false);
    expect(third.verification?.reasons.join('\n')).toMatch(/Pending: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/);
    expect(third.compensation.find((c) => c.step === 'rollback capacity')).toMatchObject({ ok: true });
    expect(await podTemplate(ns)).toEqual({ resources: v2, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } });
    // The Pending v3 pod goes away and the v2 pods serve on.
    const provisioner = createPulumiKubernetesProvisioner({
      rootDir: mkdtempSync(join(tmpdir(), 'kinetic-k8s-state-')),
      kubeconfig: cluster.kubeconfig,
      target: { service: 'k8s-saga-vertical', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' },
      verifyTimeoutMs: 30_000,
      verifyPollMs: 500,
    });
    provisioners.push(provisioner);
    expect(await provisioner.verify(plan('k8s-saga-vertical', 'after-rollback', 4))).toMatchObject({ ok: true, healthy: 4 });
    expect((await pods(ns)).map((p) => [p.phase, p.resources])).toEqual([...Array(4)].map(() => ['Running', v2]));
  });

  it('a worker SIGKILLed during `pulumi up`: the next worker finishes the decision once, with the journaled previous state', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-saga-kill');
    await deployment(ns, 'web');
    const sb = sandbox('k8s-saga-kill', ns);
    const first = await startWorkerProcess(t.taskQueue, sb.configPath, children);
    const s = await t.kinetic.startDecision('k8s-saga-kill', { timeouts: { ...TIMEOUTS, heartbeatSeconds: 5 } });
    // The hook: the `pulumi up` CLI the worker started (its Pulumi home is in the sandbox), polled
    // often; the engine's run takes seconds, the poll a few milliseconds.
    const deadline = Date.now() + 120_000;
    let ups: number[] = [];
    while ((ups = pulumiUpsUnder(sb.dir)).length === 0) {
      if (Date.now() > deadline) throw new Error('`pulumi up` never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const target = { service: 'k8s-saga-kill', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' } as const;
    // Killed while that `pulumi up` still runs.
    expect(pulumiUpsUnder(sb.dir)).toEqual(ups);
    await killWorker(first);
    const atKill = await readWorkload(cluster.api, target);
    console.log(`[k8s] worker killed during pulumi up; spec.replicas was ${atKill.replicas} then`);
    const second = await startWorkerProcess(t.taskQueue, sb.configPath, children);
    const rec = await t.kinetic.waitForDecision(s.decisionId);
    await killWorker(second);
    expect(rec.outcome, `${rec.reason}`).toBe('committed');
    // The retried apply returned the journaled state from before the first attempt, not its result.
    expect(rec.provisioning?.before?.total).toBe(1);
    expect(rec.verification).toMatchObject({ ok: true, expected: 4, healthy: 4 });
    const journalDir = join(sb.stateRoot, 'pulumi-kubernetes', 'state', '.kinetic', 'journal', 'kinetic-kubernetes');
    const journal = JSON.parse(readFileSync(join(journalDir, 'k8s-saga-kill.json'), 'utf8')) as Array<{ decisionId: string; previous: { total: number } }>;
    expect(journal.filter((j) => j.decisionId === s.decisionId).map((j) => j.previous.total)).toEqual([1]);
    expect((await new FileAuditLog(sb.stateRoot).all()).filter((r) => r.id === s.decisionId)).toHaveLength(1);
    // Applied once: one spec change since the manifest (generation 2), one ReplicaSet, exactly 4 pods.
    const d = await cluster.api.get<{ metadata: { generation: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(d.metadata.generation).toBe(2);
    expect((await cluster.api.get<{ items: unknown[] }>(`/apis/apps/v1/namespaces/${ns}/replicasets`)).items).toHaveLength(1);
    expect(await readWorkload(cluster.api, target)).toMatchObject({ replicas: 4, readyReplicas: 4, podReplicas: 4, replicasOwner: 'kinetic' });
    expect(pulumiUpsUnder(sb.dir)).toEqual([]);
  });

  it('`kinetic decide` against the cluster: dry-run changes nothing, the decision scales to Ready replicas (exit 0), a Pending rollout exits 4', async () => {
    const ns = await createNamespace(cluster.api, 'k8s-cli');
    await deployment(ns, 'web');
    const pendingNs = await createNamespace(cluster.api, 'k8s-cli-pending');
    await deployment(pendingNs, 'web', '64');
    const sb = createSandbox('kinetic-k8s-cli-');
    const provisioner = (namespace: string, verifyTimeout: string) => ({ type: 'pulumi-kubernetes', kubeconfig: cluster.kubeconfig, workload: { namespace, name: 'web' }, verifyTimeout, verifyPoll: '1s' });
    sb.writeConfig(
      {
        'k8s-cli-web': serviceConfig(sb.csv('k8s-cli-web', flat(35)), { minInstances: 1, provisioner: provisioner(ns, '30s') }),
        'k8s-cli-pending': serviceConfig(sb.csv('k8s-cli-pending', flat(35)), { minInstances: 1, provisioner: provisioner(pendingNs, '4s') }),
      },
      { taskQueue: t.taskQueue },
    );
    const target = { service: 'k8s-cli-web', kind: 'Deployment', namespace: ns, name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' } as const;
    const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const dry = await kinetic(['decide', '--service', 'k8s-cli-web', '--dry-run', '--json', '--config', sb.configPath]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(last(dry.stdout)).toMatchObject({ outcome: 'dry-run', dryRun: true, plan: { from: 1, to: 4 } });
      expect((await readWorkload(cluster.api, target)).replicas).toBe(1);

      const done = await kinetic(['decide', '--service', 'k8s-cli-web', '--json', '--config', sb.configPath]);
      expect(done.code, done.stderr).toBe(0);
      expect(last(done.stdout)).toMatchObject({ outcome: 'committed', plan: { from: 1, to: 4 }, verification: { ok: true, expected: 4, healthy: 4 } });
      expect(await readWorkload(cluster.api, target)).toMatchObject({ replicas: 4, readyReplicas: 4, replicasOwner: 'kinetic' });

      const pending = await kinetic(['decide', '--service', 'k8s-cli-pending', '--json', '--config', sb.configPath]);
      expect(pending.code, pending.stderr).toBe(4);
      const rec = last(pending.stdout) as { outcome: string; verification: { reasons: string[] } };
      expect(rec.outcome).toBe('rolled-back');
      expect(rec.verification.reasons.join('\n')).toMatch(/Insufficient cpu/);
    });
    expect((await readWorkload(cluster.api, { ...target, service: 'k8s-cli-pending', namespace: pendingNs })).replicas).toBe(1);
  });
});

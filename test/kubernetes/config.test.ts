import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getService, loadConfig } from '../../config/load';
import { loadClusterAccess } from '../../provisioners/pulumi-kubernetes/kubeconfig';
import { validateTarget, type KubernetesTarget } from '../../provisioners/pulumi-kubernetes/spec';
import { templateSpec } from '../../provisioners/pulumi-kubernetes/pod-template';
import { describeTemplate, planVerticalChange } from '../../planning/vertical';
import { stringify } from 'yaml';

/** The Kubernetes example loads, and bad provisioner input names the field and the fix. */
describe('pulumi-kubernetes configuration', () => {
  it('examples/kubernetes/kinetic.yaml is a valid config', () => {
    const cfg = loadConfig(join(__dirname, '..', '..', 'examples', 'kubernetes', 'kinetic.yaml'));
    expect(getService(cfg, 'web').provisioner).toMatchObject({ type: 'pulumi-kubernetes', mode: 'replicas', workload: { kind: 'Deployment', namespace: 'shop', name: 'web' }, fieldManager: 'kinetic', verifyTimeout: 300 });
    expect(getService(cfg, 'web').templates?.map((t) => [t.version, t.resources?.requests?.cpu, t.rollingUpdate?.maxSurge])).toEqual([[1, '250m', 1], [2, '500m', '25%']]);
  });

  const target: KubernetesTarget = { service: 's', kind: 'Deployment', namespace: 'shop', name: 'web', mode: 'replicas', hpa: 'web', fieldManager: 'kinetic' };
  it.each([
    [{ namespace: 'Shop' }, /provisioner.workload.namespace: "Shop" is not a valid namespace name/],
    [{ name: 'web_1' }, /provisioner.workload.name: "web_1" is not a valid object name/],
    [{ mode: 'floor' }, /provisioner.mode: "floor" is not a mode; use replicas or hpa-floor/],
    [{ mode: 'hpa-floor', hpa: 'HPA!' }, /provisioner.hpa: "HPA!" is not a valid HorizontalPodAutoscaler name/],
    [{ fieldManager: ' x' }, /provisioner.fieldManager: " x" must be 1-128 letters/],
  ])('rejects %j', (bad, message) => {
    expect(() => validateTarget({ ...target, ...(bad as Partial<KubernetesTarget>) })).toThrow(message);
  });

  it('a missing kubeconfig or context says which field to fix', () => {
    expect(() => loadClusterAccess('/no/such/kubeconfig')).toThrow(/provisioner.kubeconfig: cannot read \/no\/such\/kubeconfig/);
    const dir = mkdtempSync(join(tmpdir(), 'kinetic-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\ncurrent-context: a\ncontexts: [{ name: a, context: { cluster: c, user: u } }]\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443/" } }]\nusers: [{ name: u, user: { token: t0k } }]\n');
    expect(loadClusterAccess(file)).toMatchObject({ server: 'https://127.0.0.1:6443', context: 'a', token: 't0k' });
    expect(() => loadClusterAccess(file, 'prod')).toThrow(/provisioner.context: .* has no context named "prod"/);
  });

  /** A kinetic.yaml with one pulumi-kubernetes service and the given templates. */
  function load(templates: unknown[], extra: Record<string, unknown> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'kinetic-k8s-templates-'));
    const file = join(dir, 'kinetic.yaml');
    writeFileSync(
      file,
      stringify({
        version: 1,
        auth: { mode: 'unverified' },
        services: {
          web: {
            metrics: { source: 'csv', path: join(dir, 'web.csv'), stepSeconds: 60, historyPoints: 100 },
            capacityPerInstance: 10,
            minInstances: 1,
            maxInstances: 10,
            pricing: { hourlyPerInstance: 0.1 },
            budget: { monthly: 100 },
            templates,
            provisioner: { type: 'pulumi-kubernetes', workload: { name: 'web' } },
            ...extra,
          },
        },
      }),
    );
    return getService(loadConfig(file), 'web');
  }

  it('templates carry container resources and RollingUpdate bounds; no instance types needed', () => {
    const svc = load([{ version: 1, resources: { requests: { cpu: 0.5, memory: '128Mi' }, limits: { cpu: '1' } }, rollingUpdate: { maxSurge: '50%' } }], { activeTemplate: 1 });
    expect(svc.templates![0]).toEqual({
      version: 1,
      computeType: 'pod',
      instanceTypes: [],
      resources: { requests: { cpu: '0.5', memory: '128Mi' }, limits: { cpu: '1' } },
      rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 },
    });
  });

  it.each([
    [[{ version: 1, instanceTypes: ['m5.large'] }], /templates.0.resources: pulumi-kubernetes applies container requests\/limits/],
    [[{ version: 1, resources: { requests: { cpu: 'lots' } } }], /templates.0.resources.requests.cpu: not a Kubernetes quantity; write e.g. 250m/],
    [[{ version: 1, resources: { requests: { cpu: '1' } }, rollingUpdate: { maxSurge: 'half' } }], /templates.0.rollingUpdate.maxSurge/],
    [[{ version: 1 }], /templates.0.instanceTypes: give instanceTypes \(VM fleets\) or resources/],
  ])('rejects templates %j with the field and the fix', (templates, message) => {
    expect(() => load(templates)).toThrow(message);
  });

  it('a template change that only changes container resources is a rolling change; an identical one is refused', () => {
    const v1 = { version: 1, computeType: 'pod', instanceTypes: [], resources: { requests: { cpu: '100m' } }, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const v2 = { ...v1, version: 2, resources: { requests: { cpu: '250m', memory: '96Mi' }, limits: { cpu: '500m' } } };
    expect(describeTemplate(v2)).toBe('requests cpu 250m memory 96Mi; limits cpu 500m');
    expect(planVerticalChange(v1, v2, 4, { maxSurgePercent: 25, minHealthyPercent: 100 }).rollout).toMatchObject({ fromVersion: 1, toVersion: 2, maxSurge: 1, batchSize: 1 });
    expect(() => planVerticalChange(v1, { ...v1, version: 3 }, 4, { maxSurgePercent: 25, minHealthyPercent: 100 })).toThrow(/changes nothing/);
  });

  it('the pod-template patch names one container and the Deployment strategy; a StatefulSet gets no strategy', () => {
    const tpl = { version: 2, computeType: 'pod', instanceTypes: [], resources: { requests: { cpu: '250m' } }, rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } };
    expect(templateSpec({ ...target, container: 'app' }, tpl)).toEqual({
      strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
      template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '250m' } } }] } },
    });
    expect(templateSpec({ ...target, kind: 'StatefulSet' }, tpl)).toEqual({ template: { spec: { containers: [{ name: 'web', resources: { requests: { cpu: '250m' } } }] } } });
    expect(templateSpec(target, undefined)).toEqual({});
  });
});

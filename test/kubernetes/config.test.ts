import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getService, loadConfig } from '../../config/load';
import { loadClusterAccess } from '../../provisioners/pulumi-kubernetes/kubeconfig';
import { validateTarget, type KubernetesTarget } from '../../provisioners/pulumi-kubernetes/spec';

/** The Kubernetes example loads, and bad provisioner input names the field and the fix. */
describe('pulumi-kubernetes configuration', () => {
  it('examples/kubernetes/kinetic.yaml is a valid config', () => {
    const cfg = loadConfig(join(__dirname, '..', '..', 'examples', 'kubernetes', 'kinetic.yaml'));
    expect(getService(cfg, 'web').provisioner).toMatchObject({ type: 'pulumi-kubernetes', mode: 'replicas', workload: { kind: 'Deployment', namespace: 'shop', name: 'web' }, fieldManager: 'kinetic', verifyTimeout: 300 });
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
});

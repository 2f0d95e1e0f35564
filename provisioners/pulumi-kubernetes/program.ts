/**
 * The inline Pulumi program of one service stack: a Kubernetes provider for the configured
 * kubeconfig context and one server-side-apply Patch that owns exactly one field — the workload's
 * spec.replicas (mode replicas) or its HPA's spec.minReplicas (mode hpa-floor) — under Kinetic's
 * own field manager. No patchForce: a field another manager owns fails the update with the
 * provider's "Server-Side Apply field conflict", which the provisioner turns into a named error.
 */
import * as fs from 'node:fs';
import * as k8s from '@pulumi/kubernetes';
import type { KubernetesTarget } from './spec';

export interface ProgramInput {
  target: KubernetesTarget;
  kubeconfig: string;
  context: string;
  replicas: number;
  decisionId: string;
}

export function workloadProgram(input: ProgramInput): () => Promise<Record<string, unknown>> {
  return async () => {
    const { target: t } = input;
    const provider = new k8s.Provider('cluster', {
      kubeconfig: fs.readFileSync(input.kubeconfig, 'utf8'),
      context: input.context,
      enableServerSideApply: true,
      // The provider must never touch anything but the one field; no Helm, no YAML rendering.
      suppressHelmHookWarnings: true,
    });
    const annotations = { 'pulumi.com/patchFieldManager': t.fieldManager };
    const opts = { provider };
    if (t.mode === 'replicas') {
      const args = { metadata: { name: t.name, namespace: t.namespace, annotations }, spec: { replicas: input.replicas } };
      if (t.kind === 'Deployment') new k8s.apps.v1.DeploymentPatch('workload', args, opts);
      else new k8s.apps.v1.StatefulSetPatch('workload', args, opts);
    } else {
      new k8s.autoscaling.v2.HorizontalPodAutoscalerPatch('hpa', { metadata: { name: t.hpa, namespace: t.namespace, annotations }, spec: { minReplicas: input.replicas } }, opts);
    }
    return { replicas: input.replicas, decisionId: input.decisionId, mode: t.mode };
  };
}

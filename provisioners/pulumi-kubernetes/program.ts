/**
 * The inline Pulumi program of one service stack: a Kubernetes provider for the configured
 * kubeconfig context and server-side-apply Patches that own exactly the fields Kinetic decides — the
 * workload's spec.replicas (mode replicas) or its HPA's spec.minReplicas (mode hpa-floor), and with
 * a versioned template one container's requests/limits and the RollingUpdate bounds — under
 * Kinetic's own field manager. No patchForce: a field another manager owns fails the update with the
 * provider's "Server-Side Apply field conflict", which the provisioner turns into a named error.
 * skipAwait: the provider would otherwise wait for the rollout inside `up` (up to its 10-minute
 * await timeout when pods stay Pending), so a failed rollout never reached verification and its
 * rollback; the provisioner's verify() watches the rollout instead, within verifyTimeout.
 */
import * as fs from 'node:fs';
import * as k8s from '@pulumi/kubernetes';
import type { ConfigTemplate } from '../../planning/vertical';
import type { KubernetesTarget } from './spec';
import { templateSpec } from './pod-template';

export interface ProgramInput {
  target: KubernetesTarget;
  kubeconfig: string;
  context: string;
  replicas: number;
  decisionId: string;
  /** The versioned template whose container resources (and RollingUpdate bounds) Kinetic owns; none: Kinetic owns no resources. */
  template?: ConfigTemplate;
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
    const annotations = { 'pulumi.com/patchFieldManager': t.fieldManager, 'pulumi.com/skipAwait': 'true' };
    const opts = { provider };
    const pods = templateSpec(t, input.template);
    const workload = (spec: Record<string, unknown>) => {
      const args = { metadata: { name: t.name, namespace: t.namespace, annotations }, spec };
      if (t.kind === 'Deployment') new k8s.apps.v1.DeploymentPatch('workload', args, opts);
      else new k8s.apps.v1.StatefulSetPatch('workload', args, opts);
    };
    if (t.mode === 'replicas') {
      workload({ replicas: input.replicas, ...pods });
    } else {
      new k8s.autoscaling.v2.HorizontalPodAutoscalerPatch('hpa', { metadata: { name: t.hpa, namespace: t.namespace, annotations }, spec: { minReplicas: input.replicas } }, opts);
      // The HPA owns the replicas; Kinetic only the container resources, when a template says so.
      if (Object.keys(pods).length > 0) workload(pods);
    }
    return { replicas: input.replicas, decisionId: input.decisionId, mode: t.mode, ...(input.template ? { templateVersion: input.template.version } : {}) };
  };
}

/** What one service's pulumi-kubernetes provisioner targets (from provisioner config; validated here with field names). */
import { ProvisionError } from '../errors';

export type WorkloadKind = 'Deployment' | 'StatefulSet';
export type KubernetesMode = 'replicas' | 'hpa-floor';

export interface KubernetesTarget {
  service: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  mode: KubernetesMode;
  /** HPA name (hpa-floor mode). */
  hpa: string;
  /** Server-side apply field manager of every change Kinetic makes. */
  fieldManager: string;
  /** The container whose requests/limits the versioned templates set (default: the workload's name). */
  container?: string;
}

// RFC 1123 names: what the API server accepts for namespaces, workloads and HPAs.
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function validateTarget(t: KubernetesTarget): KubernetesTarget {
  const bad = (field: string, value: string, fix: string) => new ProvisionError(`provisioner.${field}: "${value}" ${fix}`, false);
  if (t.kind !== 'Deployment' && t.kind !== 'StatefulSet') throw bad('workload.kind', t.kind, 'is not supported; use Deployment or StatefulSet');
  if (!DNS_NAME.test(t.namespace)) throw bad('workload.namespace', t.namespace, 'is not a valid namespace name (lower-case letters, digits, "-")');
  if (!DNS_NAME.test(t.name)) throw bad('workload.name', t.name, 'is not a valid object name (lower-case letters, digits, "-", ".")');
  if (t.mode !== 'replicas' && t.mode !== 'hpa-floor') throw bad('mode', t.mode, 'is not a mode; use replicas or hpa-floor');
  if (t.mode === 'hpa-floor' && !DNS_NAME.test(t.hpa)) throw bad('hpa', t.hpa, 'is not a valid HorizontalPodAutoscaler name');
  if (t.container !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(t.container)) throw bad('container', t.container, 'is not a valid container name (lower-case letters, digits, "-")');
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.:]{0,127}$/.test(t.fieldManager)) throw bad('fieldManager', t.fieldManager, 'must be 1-128 letters, digits, "-", "_", ".", ":"');
  return t;
}

export const workloadPath = (t: KubernetesTarget) => `/apis/apps/v1/namespaces/${t.namespace}/${t.kind === 'Deployment' ? 'deployments' : 'statefulsets'}/${t.name}`;
export const hpaPath = (t: KubernetesTarget) => `/apis/autoscaling/v2/namespaces/${t.namespace}/horizontalpodautoscalers/${t.hpa}`;

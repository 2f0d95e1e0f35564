/**
 * Reads a workload, its HPA and its Pending pods from the API server (never from Pulumi state), so
 * manual edits and HPA activity show up in current() and in verification.
 */
import { getRequired, type KubeApi } from './api';
import { hpaPath, workloadPath, type KubernetesTarget } from './spec';

export interface WorkloadStatus {
  /** spec.replicas (what the controllers aim for). */
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** status.replicas: pods that exist (old ones still terminating included). */
  podReplicas: number;
  generation: number;
  observedGeneration: number;
  matchLabels: Record<string, string>;
  /** managedFields owner of spec.replicas, when one is recorded. */
  replicasOwner?: string;
  /** The pod template's containers' requests/limits, by container name. */
  resources: Record<string, { requests?: Record<string, string>; limits?: Record<string, string> }>;
}

export interface HpaStatus {
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
}

interface Workload {
  metadata: { generation?: number; managedFields?: Array<{ manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }> };
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { spec?: { containers?: Array<{ name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }> } };
  };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
}

export async function readWorkload(api: KubeApi, t: KubernetesTarget): Promise<WorkloadStatus> {
  const w = await getRequired<Workload>(api, workloadPath(t), `${t.kind} ${t.namespace}/${t.name}`, 'provisioner.workload');
  const owner = w.metadata.managedFields?.find((m) => m.fieldsV1?.['f:spec'] && 'f:replicas' in m.fieldsV1['f:spec']);
  return {
    replicas: w.spec.replicas ?? 1,
    readyReplicas: w.status?.readyReplicas ?? 0,
    updatedReplicas: w.status?.updatedReplicas ?? 0,
    podReplicas: w.status?.replicas ?? 0,
    generation: w.metadata.generation ?? 0,
    observedGeneration: w.status?.observedGeneration ?? 0,
    matchLabels: w.spec.selector?.matchLabels ?? {},
    replicasOwner: owner?.manager,
    resources: Object.fromEntries((w.spec.template?.spec?.containers ?? []).map((c) => [c.name, c.resources ?? {}])),
  };
}

export async function readHpa(api: KubeApi, t: KubernetesTarget): Promise<HpaStatus> {
  const h = await getRequired<{ spec: { minReplicas?: number; maxReplicas: number }; status?: { currentReplicas?: number; desiredReplicas?: number } }>(
    api,
    hpaPath(t),
    `HorizontalPodAutoscaler ${t.namespace}/${t.hpa}`,
    'provisioner.hpa',
  );
  return { minReplicas: h.spec.minReplicas ?? 1, maxReplicas: h.spec.maxReplicas, currentReplicas: h.status?.currentReplicas ?? 0, desiredReplicas: h.status?.desiredReplicas ?? 0 };
}

interface Pod {
  metadata: { name: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** "<pod>: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu." for each Pending pod of the workload. */
export async function pendingReasons(api: KubeApi, t: KubernetesTarget, matchLabels: Record<string, string>): Promise<string[]> {
  const selector = Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await api.get<{ items: Pod[] }>(`/api/v1/namespaces/${t.namespace}/pods?labelSelector=${encodeURIComponent(selector)}&fieldSelector=status.phase%3DPending`);
  return pods.items.map((p) => {
    const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    return `${p.metadata.name}: Pending${c ? `: ${c.reason ?? ''}: ${c.message ?? ''}` : ' (scheduled, not started)'}`;
  });
}

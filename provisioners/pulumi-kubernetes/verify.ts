/**
 * Verification against the API server: the workload's observedGeneration catches up with its
 * generation and ready/updated replicas reach the plan (hpa-floor: the HPA carries the planned
 * floor and the workload is Ready at or above it) before the deadline, heartbeating each poll.
 * A miss names the Pending pods and why they are Pending (e.g. "Insufficient cpu").
 */
import type { VerifyResult } from '../contract';
import { sleep } from '../../cloud/abortable-sleep';
import type { KubeApi } from './api';
import type { KubernetesTarget } from './spec';
import { pendingReasons, readHpa, readWorkload, type WorkloadStatus } from './workload';

export interface VerifyOptions {
  timeoutMs: number;
  pollMs: number;
  signal?: AbortSignal;
  heartbeat: (details: unknown) => void;
}

function gaps(t: KubernetesTarget, w: WorkloadStatus, want: number, floor?: number): string[] {
  const out: string[] = [];
  if (w.observedGeneration < w.generation) out.push(`observedGeneration ${w.observedGeneration} < generation ${w.generation}`);
  if (t.mode === 'replicas' && w.replicas !== want) out.push(`spec.replicas is ${w.replicas}, planned ${want}`);
  if (floor !== undefined && floor !== want) out.push(`HPA ${t.hpa} minReplicas is ${floor}, planned ${want}`);
  const target = Math.max(want, w.replicas);
  if (w.updatedReplicas < target) out.push(`updatedReplicas ${w.updatedReplicas}/${target}`);
  if (w.readyReplicas < target) out.push(`readyReplicas ${w.readyReplicas}/${target}`);
  // Scale-in is done when the surplus pods are gone, not only when enough are Ready.
  if (t.mode === 'replicas' && w.podReplicas > want) out.push(`${w.podReplicas} pods exist, planned ${want}`);
  return out;
}

export async function waitForReady(api: KubeApi, t: KubernetesTarget, want: number, o: VerifyOptions): Promise<VerifyResult & { status: WorkloadStatus }> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const w = await readWorkload(api, t);
    const floor = t.mode === 'hpa-floor' ? (await readHpa(api, t)).minReplicas : undefined;
    const missing = gaps(t, w, want, floor);
    o.heartbeat({ op: 'verify', workload: `${t.namespace}/${t.name}`, ready: w.readyReplicas, want, missing });
    if (missing.length === 0) return { ok: true, expected: want, healthy: w.readyReplicas, reasons: [], status: w };
    if (Date.now() >= deadline) {
      const pending = await pendingReasons(api, t, w.matchLabels);
      return { ok: false, expected: want, healthy: w.readyReplicas, reasons: [`${t.kind} ${t.namespace}/${t.name} not Ready after ${o.timeoutMs} ms: ${missing.join(', ')}`, ...pending], status: w };
    }
    await sleep(Math.min(o.pollMs, Math.max(0, deadline - Date.now())), o.signal);
  }
}

/**
 * Decisions waiting for a person, read from Temporal visibility at scrape time (the saga marks
 * them `KineticStage = awaiting-approval`): the one source every worker agrees on, so a worker
 * restart or an approval answered on another host never leaves a stale count.
 */
import type { Client } from '@temporalio/client';
import { SA_SERVICE, SA_STAGE } from '../workflows/definitions';
import { kineticMetrics as m } from './metrics';

/** A refresher for the pending-approval gauges; visibility is asked at most once per `minIntervalMs`. */
export function pendingApprovalsRefresher(client: Client, taskQueue: string, minIntervalMs = 5000): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < minIntervalMs) return;
    last = Date.now();
    const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running" AND ${SA_STAGE.name} = "awaiting-approval"`;
    const pending = new Map<string, { count: number; oldest: number }>();
    for await (const wf of client.workflow.list({ query })) {
      const service = wf.typedSearchAttributes.get(SA_SERVICE) ?? 'unknown';
      const p = pending.get(service) ?? { count: 0, oldest: Date.now() };
      pending.set(service, { count: p.count + 1, oldest: Math.min(p.oldest, wf.startTime.getTime()) });
    }
    // Services that had pending approvals before and have none now read 0, not a stale value.
    const seen = (await m.approvalsPending.get()).values.map((v) => String(v.labels.service));
    for (const service of new Set([...seen, ...pending.keys()])) {
      const p = pending.get(service);
      m.approvalsPending.set({ service }, p?.count ?? 0);
      m.approvalOldestAge.set({ service }, p ? (Date.now() - p.oldest) / 1000 : 0);
    }
  };
}

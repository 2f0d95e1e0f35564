import type { DecisionRecord } from '../decision/record';
import { checkAnomalyPolicy, DEFAULT_ANOMALY_POLICY, type AnomalyHistoryEntry, type AnomalyPolicy } from '../planning/anomaly';

/** The newest decisions kept for the anomaly rules: enough for any window, small in the history. */
const MAX_ENTRIES = 200;

/**
 * The anomaly rules as configured (defaults filled in) and the service's recent decisions as the
 * audit log has them, oldest first: every worker reads the same shared log, never its own memory.
 */
export function anomalyContext(configured: Partial<AnomalyPolicy> | undefined, records: DecisionRecord[], now: number): { policy: AnomalyPolicy; history: AnomalyHistoryEntry[] } {
  const policy = checkAnomalyPolicy({ ...DEFAULT_ANOMALY_POLICY, ...definedOnly(configured ?? {}) });
  const since = now - Math.max(policy.historyWindow, policy.runawayWindow) * 1000;
  const history = records
    .filter((r) => r.plan && !r.dryRun && r.finishedAt && r.outcome && Date.parse(r.finishedAt) >= since)
    .map((r) => ({ at: Date.parse(r.finishedAt!), from: r.plan!.from, to: r.plan!.to, outcome: r.outcome!, auto: r.approval?.mode === 'auto' }))
    .slice(-MAX_ENTRIES);
  return { policy, history };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

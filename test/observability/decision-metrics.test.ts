import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../decision/record';
import { withActivityMetrics } from '../../observability/activity-metrics';
import { stageDurations } from '../../observability/decision-metrics';
import { kineticMetrics } from '../../observability/metrics';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function record(service: string, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: `${service}-20260101000000-abcd`,
    service,
    workflowId: `scale-${service}`,
    runId: 'r1',
    trigger: { kind: 'test' },
    dryRun: false,
    stage: 'done',
    outcome: 'committed',
    plan: { from: 2, to: 6, direction: 'out', needed: 6, tiers: {}, hourlyCostBefore: 0.2, hourlyCostAfter: 0.6, reason: 'test' },
    compensation: [],
    // forecast 2 s, plan 1 s, policy 0 s, budget 1 s, approval 0 s, provision 30 s, verify 10 s, commit 1 s.
    timings: { startedAt: at(0), forecast: at(0), plan: at(2), policy: at(3), budget: at(3), approval: at(4), provision: at(4), verify: at(34), commit: at(44), record: at(45), finishedAt: at(45) },
    startedAt: at(0),
    finishedAt: at(45),
    ...overrides,
  };
}

/** The value of one labelled series of a metric (undefined when it has none). */
async function valueOf(metric: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number; metricName?: string }> }> }, labels: Record<string, string>, suffix = '') {
  const { values } = await metric.get();
  return values.find((v) => (!suffix || v.metricName?.endsWith(suffix)) && Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('decision metrics from the saga activities', () => {
  it('times each stage until the next one starts, leaving out the record write', () => {
    expect(stageDurations(record('stagesvc').timings)).toEqual([
      { stage: 'forecast', seconds: 2 },
      { stage: 'plan', seconds: 1 },
      { stage: 'policy', seconds: 0 },
      { stage: 'budget', seconds: 1 },
      { stage: 'approval', seconds: 0 },
      { stage: 'provision', seconds: 30 },
      { stage: 'verify', seconds: 10 },
      { stage: 'commit', seconds: 1 },
    ]);
  });

  it('counts a recorded decision once: a retried write the audit log already had adds nothing', async () => {
    const acts = withActivityMetrics({
      recordDecision: async (r: DecisionRecord) => ({ written: r.runId === 'r1' }),
    });
    await acts.recordDecision(record('countsvc'));
    await acts.recordDecision(record('countsvc', { runId: 'retry' }));
    expect(await valueOf(kineticMetrics.decisions, { service: 'countsvc', outcome: 'committed', direction: 'out' })).toBe(1);
    expect(await valueOf(kineticMetrics.stageDuration, { service: 'countsvc', stage: 'provision' }, '_sum')).toBe(30);
    // Scaling latency: provisioning start to verified capacity (commit), 40 s.
    expect(await valueOf(kineticMetrics.scalingLatency, { service: 'countsvc' }, '_sum')).toBe(40);
    expect(await valueOf(kineticMetrics.decisionDuration, { service: 'countsvc', outcome: 'committed' }, '_sum')).toBe(45);
  });

  it('counts failed compensation steps by step, and a manual approval wait by answer', async () => {
    const acts = withActivityMetrics({ recordDecision: async (_r: DecisionRecord) => ({ written: true }) });
    await acts.recordDecision(
      record('compsvc', {
        outcome: 'compensation-failed',
        approval: { mode: 'manual', reasons: ['big step'], decision: 'approved', decidedBy: 'alice', at: at(4) },
        timings: { startedAt: at(0), forecast: at(0), approval: at(1), provision: at(4), compensate: at(10), 'needs-operator': at(12), finishedAt: at(20) },
        compensation: [
          { step: 'rollback capacity', ok: false, message: 'api down' },
          { step: 'hold budget', ok: true, message: 'kept' },
        ],
      }),
    );
    expect(await valueOf(kineticMetrics.compensationFailures, { service: 'compsvc', step: 'rollback capacity' })).toBe(1);
    expect(await valueOf(kineticMetrics.compensationFailures, { service: 'compsvc', step: 'hold budget' })).toBeUndefined();
    expect(await valueOf(kineticMetrics.approvalWait, { service: 'compsvc', answer: 'approved' }, '_sum')).toBe(3);
    expect(await valueOf(kineticMetrics.scalingLatency, { service: 'compsvc' }, '_count')).toBeUndefined();
  });

  it('counts a held compensation failure when its operator alert first goes out, not again at its record', async () => {
    const failed = [{ step: 'rollback capacity', ok: false, message: 'api down' }];
    const acts = withActivityMetrics({
      deliverOperatorAlert: async (_input: { alert: { service: string; compensation: typeof failed } }) => ({ attempt: 1, detail: 'logged' }),
      recordDecision: async (_r: DecisionRecord) => ({ written: true }),
    });
    await acts.deliverOperatorAlert({ alert: { service: 'heldsvc', compensation: failed } });
    expect(await valueOf(kineticMetrics.compensationFailures, { service: 'heldsvc', step: 'rollback capacity' })).toBe(1);
    // Resolved later: the record carries the alert it sent and adds nothing.
    await acts.recordDecision(record('heldsvc', { outcome: 'compensation-failed', compensation: failed, operatorAlert: { ok: true, detail: 'logged', idempotencyKey: 'k' } }));
    expect(await valueOf(kineticMetrics.compensationFailures, { service: 'heldsvc', step: 'rollback capacity' })).toBe(1);
  });

  it('a metric that cannot be computed never fails the step', async () => {
    const acts = withActivityMetrics({ planCapacity: async () => undefined as unknown as { to: number } });
    await expect(acts.planCapacity()).resolves.toBeUndefined();
  });
});

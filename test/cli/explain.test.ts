import { describe, expect, it } from 'vitest';
import { explainDecision, table } from '../../cli/explain';
import type { DecisionRecord } from '../../decision/record';

const base: DecisionRecord = {
  id: 'web-20261122101500-ab12', service: 'web', workflowId: 'scale-web', runId: 'r1', trigger: { kind: 'manual', by: 'alice' },
  dryRun: false, stage: 'done', compensation: [], timings: {}, startedAt: '2026-11-22T10:15:00.000Z', finishedAt: '2026-11-22T10:15:02.000Z',
};

describe('kinetic explain', () => {
  it('walks through every step of a rolled-back decision in plain words', () => {
    const text = explainDecision({
      ...base,
      outcome: 'rolled-back',
      reason: 'verification failed: 1 of 6 unhealthy; rolled back to the previous capacity',
      forecast: { model: 'seasonal naive, season 24', metric: 'rps', stepSeconds: 60, historyPoints: 100, lastObserved: 50, fromStep: 2, toStep: 3, peakP50: 52, peakP90: 55, peakP99: 60, coldStart: false, notes: [] },
      plan: { from: 2, to: 6, direction: 'out', needed: 6, tiers: { default: { from: 2, to: 6 } }, hourlyCostBefore: 0.2, hourlyCostAfter: 0.6, reason: 'P90 peak 55.00 rps / (10 × 1) = 5.50 → 6 instances' },
      policy: { allowed: true, checks: [{ rule: 'max-step', passed: true, message: 'change of 4 is within the max step of 10' }] },
      budget: { allowed: true, pool: 'web', limit: 1000, projectedMonthly: 438.3, projectedTotal: 438.3, reserved: true, released: true, message: 'projected 438.30/month is within the web budget of 1000.00' },
      approval: { mode: 'manual', reasons: ['change of 4 is above the auto-approve limit of 2'], decision: 'approved', decidedBy: 'bob' },
      provisioning: { provisioner: 'dry-run', changed: true, summary: '2 → 6 instances' },
      verification: { ok: false, expected: 6, healthy: 5, reasons: ['1 of 6 unhealthy'] },
      compensation: [{ step: 'rollback capacity', ok: true, message: 'fleet back to 2 instances' }, { step: 'release budget', ok: true, message: 'released' }],
    });
    expect(text).toMatch(/^Decision web-20261122101500-ab12 for service "web"/);
    expect(text).toMatch(/Triggered by manual \(alice\)\./);
    expect(text).toMatch(/Outcome: rolled-back — verification failed/);
    expect(text).toMatch(/1\. Forecast: 100 points of rps .* P90 55\.00/);
    expect(text).toMatch(/2\. Plan: 2 → 6 instances \(scale-out\)/);
    expect(text).toMatch(/\[ok\] max-step: change of 4/);
    expect(text).toMatch(/4\. Budget: allowed\..*Reservation held, then released\./);
    expect(text).toMatch(/5\. Approval \(manual\): approved by bob/);
    expect(text).toMatch(/7\. Verification: FAILED \(5\/6 healthy\)/);
    expect(text).toMatch(/8\. Compensation \(newest step first\):\n {3}\[ok\] rollback capacity: fleet back to 2 instances\n {3}\[ok\] release budget/);
  });

  it('says which steps were not reached', () => {
    const text = explainDecision({ ...base, outcome: 'failed', reason: 'bad metrics; nothing was changed', error: 'web.csv:7: NaN' });
    expect(text).toMatch(/1\. Forecast: not reached\./);
    expect(text).toMatch(/6\. Provisioning: not reached\./);
    expect(text).toMatch(/Error: web\.csv:7: NaN/);
  });

  it('aligns tables', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A    BB\n---  --\nxxx  y');
  });
  it('shows the requester, the quorum and every approval attempt with its reason', () => {
    const text = explainDecision({
      ...base,
      outcome: 'committed',
      requester: { identity: 'carol@example.com', roles: ['operator'], verified: true },
      approval: {
        mode: 'manual',
        reasons: ['change of 4 is above the auto-approve limit of 2'],
        decision: 'approved',
        decidedBy: 'alice@example.com, bob@example.com',
        required: 2,
        approvedBy: ['alice@example.com', 'bob@example.com'],
        attempts: [
          { at: '2026-11-22T10:16:00.000Z', action: 'approve', claimed: 'alice@example.com', verified: false, accepted: false, reason: 'forged-identity', message: '"alice@example.com" is only a claim' },
          { at: '2026-11-22T10:17:00.000Z', action: 'approve', identity: 'alice@example.com', verified: true, accepted: true, message: 'approve by alice@example.com accepted' },
        ],
      },
    });
    expect(text).toMatch(/Requested by carol@example.com \(verified token; roles: operator\)\./);
    expect(text).toMatch(/quorum: 2 of 2 approvers \(alice@example.com, bob@example.com\)/);
    expect(text).toMatch(/attempt 2026-11-22T10:16:00.000Z: approve by someone claiming alice@example.com — REFUSED \(forged-identity\): "alice@example.com" is only a claim/);
    expect(text).toMatch(/attempt 2026-11-22T10:17:00.000Z: approve by alice@example.com \(verified\) — accepted/);
  });
});

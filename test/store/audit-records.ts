import type { DecisionRecord } from '../../decision/record';

/** A finished decision record for audit-log tests. */
export const auditRecord = (id: string, service = 'web', extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  id,
  service,
  workflowId: `scale-${service}`,
  runId: `run-${id}`,
  trigger: { kind: 'test' },
  dryRun: false,
  stage: 'done',
  outcome: 'committed',
  compensation: [],
  timings: {},
  startedAt: '2026-11-27T10:00:00.000Z',
  finishedAt: '2026-11-27T10:00:05.000Z',
  ...extra,
});

import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { commitThenRecord } from '../../activities/commit-and-record';
import { FileAuditLog } from '../../store/audit';
import { budgetTaskQueue } from '../../workflows/budget-definitions';
import { bookOf } from '../helpers/budget';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal } from '../helpers/temporal';

/**
 * Saga change merged-decision-steps: a committed decision's budget commit runs in its record step
 * (`commitBudgetAndRecord`). A commit the authority refuses still fails the decision's commit as
 * before — compensated, the reservation released, one record saying so — and a commit that fails
 * for a while is retried with its record: committed once, recorded once. The authority, the audit
 * log and the saga are real; only the first commits are made to fail, in front of the real one.
 */
let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

type Commit = Parameters<typeof commitThenRecord>[0];

/** Runs one decision of `service` on workers whose commit is `commit(real)`; returns its record. */
async function decideWith(service: string, commit: (real: Commit) => Commit) {
  const sb = createSandbox();
  sb.writeConfig({ [service]: serviceConfig(sb.csv(service, flat(55))) });
  const today = createActivities({ configPath: sb.configPath });
  const decisions = await Worker.create({
    connection: t.nativeConnection,
    taskQueue: t.taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...today, commitBudgetAndRecord: commitThenRecord(commit(today.commitBudget), today.recordDecision) },
  });
  const authority = await Worker.create({
    connection: t.nativeConnection,
    taskQueue: budgetTaskQueue(t.taskQueue),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: today,
  });
  return authority.runUntil(() =>
    decisions.runUntil(async () => {
      const s = await t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS });
      const record = await t.kinetic.waitForDecision(s.decisionId);
      const book = await bookOf(t, `pool:${service}`);
      const audit = (await new FileAuditLog(sb.stateRoot).forService(service)).filter((r) => r.id === s.decisionId);
      return { record, book, audit };
    }),
  );
}

describe('the budget commit inside the record step', () => {
  it('refused by the authority: the decision is rolled back and its reservation released, with one record', async () => {
    let calls = 0;
    const { record, book, audit } = await decideWith('commit-refused', () => async () => {
      calls++;
      throw ApplicationFailure.nonRetryable('budget authority refused commit: injected refusal', 'InvalidBudgetRequest');
    });
    expect(calls).toBe(1);
    expect(record.outcome).toBe('rolled-back');
    expect(record.error).toMatch(/budget commit failed: budget authority refused commit: injected refusal/);
    expect(record.compensation.map((c) => [c.step, c.ok])).toEqual([
      ['rollback capacity', true],
      ['release budget', true],
    ]);
    expect(book.reservations.filter((r) => r.decisionId === record.id)).toEqual([]);
    expect(book.closed.find((c) => c.decisionId === record.id)?.as).toBe('released');
    expect(audit.map((r) => r.outcome)).toEqual(['rolled-back']);
  });

  it('failing twice, then through: committed once and recorded once', async () => {
    let calls = 0;
    const { record, book, audit } = await decideWith('commit-flaky', (real) => async (input) => {
      if (++calls <= 2) throw new Error(`budget authority unreachable (attempt ${calls})`);
      return real(input);
    });
    expect(calls).toBe(3);
    expect(record.outcome).toBe('committed');
    expect(record.compensation).toEqual([]);
    expect(book.reservations.filter((r) => r.decisionId === record.id)).toEqual([]);
    expect(book.closed.find((c) => c.decisionId === record.id)?.as).toBe('committed');
    expect(book.committed['commit-flaky']?.decisionId).toBe(record.id);
    expect(audit.map((r) => r.outcome)).toEqual(['committed']);
  });
});

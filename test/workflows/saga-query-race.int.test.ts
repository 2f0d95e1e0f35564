import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionRecordQuery } from '../../workflows/definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { historyShape, replayError } from '../helpers/replay';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/**
 * `kinetic status ID` (a Query) while a decision runs its local activities could close a workflow
 * task between an activity's result and the `patched` marker that followed it; the history then no
 * longer replayed (workflows/saga-changes.ts). Decisions queried back to back from the moment they start
 * must all replay.
 */
describe('decisions queried while their local activities run', () => {
  it('replay, however the queries split their workflow tasks', async () => {
    const sb = createSandbox();
    const names = Array.from({ length: 12 }, (_, i) => `queryrace-${i}`);
    sb.writeConfig(Object.fromEntries(names.map((n) => [n, serviceConfig(sb.csv(n, flat(55)))])));
    const recs = await withWorker(t, { configPath: sb.configPath }, async () => {
      const started = await Promise.all(names.map((s) => t.kinetic.startDecision(s, { timeouts: FAST_TIMEOUTS })));
      let done = false;
      const polls = started.map(async (d) => {
        const handle = t.client.workflow.getHandle(d.workflowId, d.runId);
        while (!done) {
          await handle.query(decisionRecordQuery).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 2));
        }
      });
      const finished = await Promise.all(started.map((d) => t.kinetic.waitForDecision(d.decisionId)));
      done = true;
      await Promise.all(polls);
      return finished;
    });
    expect(recs.map((r) => r.outcome)).toEqual(names.map(() => 'committed'));
    const failures: string[] = [];
    for (const rec of recs) {
      const history = await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
      const err = await replayError(rec.workflowId, history);
      if (err) failures.push(`${rec.workflowId}: ${err}\n  shape: ${historyShape(history)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SA_DIRECTION, SA_OUTCOME, SA_STAGE } from '../../workflows/definitions';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** The KineticStage values a decision's history wrote to visibility, in order (patch markers upsert TemporalChangeVersion too). */
async function stageWrites(workflowId: string, runId: string): Promise<string[]> {
  const h = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return h.events!
    .filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)
    .map((e) => e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields![SA_STAGE.name])
    .filter((v) => v !== undefined)
    .map((v) => JSON.parse(Buffer.from(v.data!).toString()));
}

async function listedStage(workflowId: string): Promise<string | undefined> {
  return (await t.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(SA_STAGE);
}

describe('search attributes are written when a decision waits, not at every step (issue 12)', () => {
  it('a committed decision writes KineticStage three times (provision, verify, done) and ends tagged; it replays', async () => {
    const sb = createSandbox();
    sb.writeConfig({ stagesout: serviceConfig(sb.csv('stagesout', flat(55))) });
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('stagesout', { timeouts: FAST_TIMEOUTS });
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    // Before the change: forecast, plan (direction), policy, budget, approval, provision, verify, commit, record, done.
    expect(await stageWrites(rec.workflowId, rec.runId)).toEqual(['provision', 'verify', 'done']);
    const desc = await t.client.workflow.getHandle(rec.workflowId, rec.runId).describe();
    expect(desc.typedSearchAttributes.get(SA_STAGE)).toBe('done');
    expect(desc.typedSearchAttributes.get(SA_DIRECTION)).toBe('out');
    expect(desc.typedSearchAttributes.get(SA_OUTCOME)).toBe('committed');
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await t.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory(), rec.workflowId);
  });

  it('a decision waiting for a person is listed as awaiting-approval; one that ends early still gets its direction', async () => {
    const sb = createSandbox();
    sb.writeConfig({
      stageswait: serviceConfig(sb.csv('stageswait', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '30s' } }),
      stagessteady: serviceConfig(sb.csv('stagessteady', flat(25)), { provisioner: { type: 'dry-run', initialInstances: 3 } }),
    });
    const [waiting, steady] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('stageswait', { timeouts: FAST_TIMEOUTS });
      const deadline = Date.now() + 20_000;
      while ((await listedStage('scale-stageswait')) !== 'awaiting-approval') {
        if (Date.now() > deadline) throw new Error(`never listed as awaiting-approval (at ${await listedStage('scale-stageswait')})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const listed = await t.client.workflow.list({ query: `${SA_STAGE.name} = "awaiting-approval" AND WorkflowId = "scale-stageswait"` });
      const ids: string[] = [];
      for await (const w of listed) ids.push(w.workflowId);
      expect(ids).toEqual(['scale-stageswait']);
      await t.kinetic.reject(s.decisionId, 'alice@example.com', 'not today');
      const a = await t.kinetic.waitForDecision(s.decisionId);
      const b = await t.kinetic.startDecision('stagessteady', { timeouts: FAST_TIMEOUTS });
      return [a, await t.kinetic.waitForDecision(b.decisionId)] as const;
    });
    expect(waiting.outcome).toBe('approval-rejected');
    expect(await stageWrites(waiting.workflowId, waiting.runId)).toEqual(['awaiting-approval', 'done']);
    expect(steady.outcome).toBe('no-change');
    expect(await stageWrites(steady.workflowId, steady.runId)).toEqual(['done']);
    const desc = await t.client.workflow.getHandle(steady.workflowId, steady.runId).describe();
    expect(desc.typedSearchAttributes.get(SA_DIRECTION)).toBe('none');
    expect(desc.typedSearchAttributes.get(SA_OUTCOME)).toBe('no-change');
  });
});

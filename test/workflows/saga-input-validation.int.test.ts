import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** Starts the workflow type by name with raw JSON, as `temporal workflow start` or another SDK would. */
async function rawStart(input: unknown): Promise<unknown> {
  const h = await t.client.workflow.start('scalingDecision', { taskQueue: t.taskQueue, workflowId: `raw-${randomUUID()}`, args: [input] });
  return h.result();
}

describe('the saga validates its input before the first step', () => {
  const good = { decisionId: 'vweb-20261122101500-ab12', service: 'vweb', trigger: { kind: 'manual', by: 'cli' } };
  const cases: Array<[string, unknown, RegExp]> = [
    ['a service name with capitals and underscores', { ...good, service: 'VWeb_1' }, /service is "VWeb_1"; use a service name of kinetic.yaml/],
    ['a decision id of another service', { ...good, decisionId: 'other-20261122101500-ab12' }, /decisionId is "other-20261122101500-ab12"; use "<service>-<UTC yyyymmddhhmmss>-<4 hex digits>"/],
    ['a fractional target', { ...good, targetOverride: 2.5 }, /targetOverride is 2.5; use a whole number of instances from 0 to 100000/],
    ['a timeout given as text', { ...good, timeouts: { stepSeconds: 'fast' } }, /timeouts.stepSeconds is "fast"; use a number of seconds from 1 to 3600/],
    ['a misspelt timeout', { ...good, timeouts: { provisionSecond: 60 } }, /timeouts.provisionSecond is not a timeout; use stepSeconds/],
    ['a bare string', 'vweb', /input is "vweb"; pass one object/],
  ];

  it('bad inputs fail the workflow with InvalidDecisionInput naming the field and the fix; nothing is recorded', async () => {
    const sb = createSandbox();
    sb.writeConfig({ vweb: serviceConfig(sb.csv('vweb', flat(55))) });
    const errors = await withWorker(t, { configPath: sb.configPath }, () =>
      Promise.all(cases.map(([, input]) => rawStart(input).then(() => undefined, (e: unknown) => e))),
    );
    cases.forEach(([name, , message], i) => {
      const e = errors[i];
      expect(e, name).toBeInstanceOf(WorkflowFailedError);
      const cause = (e as WorkflowFailedError).cause;
      expect(cause, name).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type, name).toBe('InvalidDecisionInput');
      expect((cause as ApplicationFailure).nonRetryable, name).toBe(true);
      expect(cause!.message, name).toMatch(/^invalid decision input: /);
      expect(cause!.message, name).toMatch(message);
    });
    expect(await new FileAuditLog(sb.stateRoot).all()).toEqual([]);
  });
});

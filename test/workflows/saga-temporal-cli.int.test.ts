import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { z } from 'zod';
import { SCHEMAS_DIR } from '../../contract/schemas';
import { toolPath } from '../../config/tools';
import { kinetic } from '../helpers/cli';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

const run = promisify(execFile);
const SERVICE = 'tclisvc';
let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

/** The real `temporal` CLI against the run's dev server; JSON output parsed. */
async function temporal(args: string[]): Promise<unknown> {
  const { stdout } = await run(toolPath('temporal'), [...args, '--address', inject('temporalAddress'), '--namespace', 'default', '-o', 'json']);
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** A decision id as the README documents it: `<service>-<UTC yyyymmddhhmmss>-<4 hex>`. */
/** A published schema (schemas/), as a client in another language would check against it. */
const schemaOf = (file: string) => z.fromJSONSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')));

const idFor = (service: string) => `${service}-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-c1a0`;

describe('a decision driven by the temporal CLI alone (another language’s view of the contract)', () => {
  it('start, query, approve, result: the saga runs, sets its own search attributes and lists in kinetic status', async () => {
    const service = SERVICE;
    const workflowId = `scale-${service}`;
    const decisionId = idFor(service);
    const sb = createSandbox();
    // 2 → 6 exceeds the auto-approve step of 1: a person answers through the `approve` Update.
    sb.writeConfig({ tclisvc: serviceConfig(sb.csv(service, flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' } }) });
    const input = { decisionId, service, trigger: { kind: 'api', by: 'temporal-cli' }, timeouts: FAST_TIMEOUTS };
    expect(schemaOf('decision-input.schema.json').safeParse(input).error).toBeUndefined();
    const { result, details, listed, shown } = await withWorker(t, { configPath: sb.configPath }, async () => {
      // No search attributes, memo or summary from the caller: only what any client can send.
      await temporal(['workflow', 'start', '--type', 'scalingDecision', '--task-queue', t.taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify(input)]);
      const deadline = Date.now() + 30_000;
      let stage: unknown;
      while ((stage = await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', 'currentStep'])) !== 'approval' && !JSON.stringify(stage).includes('"approval"')) {
        if (Date.now() > deadline) throw new Error(`never reached approval (at ${JSON.stringify(stage)})`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const meta = (await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', '__temporal_workflow_metadata'])) as unknown;
      await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'approve', '--input', JSON.stringify({ identity: 'alice@example.com', comment: 'from the CLI' })]);
      const res = await temporal(['workflow', 'result', '--workflow-id', workflowId]);
      const status = await kinetic(['status', '--service', service, '--json']);
      const one = await kinetic(['status', decisionId, '--json']);
      return { result: res, details: JSON.stringify(meta), listed: status, shown: one };
    });
    // `temporal workflow result -o json` carries the value in the completion event, payloads decoded
    // (it prints empty arrays as null); the record as the payload holds it, via `kinetic status ID
    // --json`, is what schemas/decision-record.schema.json publishes.
    const fromCli = (result as { closeEvent: { workflowExecutionCompletedEventAttributes: { result: unknown[] } } }).closeEvent.workflowExecutionCompletedEventAttributes.result[0];
    expect(fromCli).toMatchObject({ id: decisionId, service, outcome: 'committed' });
    expect(shown.code).toBe(0);
    const record = JSON.parse(shown.stdout);
    expect(record).toMatchObject({ id: decisionId, service, outcome: 'committed', workflowId });
    expect(schemaOf('decision-record.schema.json').safeParse(record).error).toBeUndefined();
    expect(JSON.stringify(result)).toContain('"decidedBy":"alice@example.com"');
    expect(JSON.stringify(result)).toContain('"comment":"from the CLI"');
    // The Web UI's current details were written by the workflow while it waited.
    expect(details).toContain(`Scaling decision ${decisionId} for service ${service}`);
    expect(details).toContain('waiting for approval');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Array<{ decisionId: string; service: string; outcome?: string; stage?: string; direction?: string }>;
    expect(rows.find((r) => r.decisionId === decisionId)).toMatchObject({ service, outcome: 'committed', stage: 'done', direction: 'out' });
  });
});

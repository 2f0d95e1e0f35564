import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKineticWorker } from '../../worker';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { kinetic, startKinetic } from '../helpers/cli';
import { connectTestTemporal, TestTemporal } from '../helpers/temporal';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

describe('CLI conventions (issue 18.4)', () => {
  it('decide exits by outcome, says what it waits behind, status --watch follows, -o json and --address/--namespace work', async () => {
    const sb = createSandbox();
    // 2 → 6 exceeds the auto-approve step of 1: the first decision waits for a person.
    sb.writeConfig(
      { convsvc: serviceConfig(sb.csv('convsvc', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' } }) },
      { taskQueue: t.taskQueue },
    );
    const cfg = ['--config', sb.configPath];
    const worker = await createKineticWorker({ connection: t.nativeConnection, taskQueue: t.taskQueue, workflowBundlePath: inject('workflowBundlePath'), configPath: sb.configPath });
    await worker.runUntil(async () => {
      const first = await kinetic(['decide', '--service', 'convsvc', '--no-wait', '-o', 'json', ...cfg]);
      expect(first.code).toBe(0);
      const { decisionId } = JSON.parse(first.stdout);
      for (let i = 0; (await t.kinetic.getDecision(decisionId).catch(() => undefined))?.stage !== 'approval'; i++) {
        if (i > 150) throw new Error('the first decision never waited for approval');
        await new Promise((r) => setTimeout(r, 200));
      }
      // A second decision of the service waits behind the first and says so (on stderr: stdout stays JSON).
      const second = startKinetic(['decide', '--service', 'convsvc', '--dry-run', '--output=json', ...cfg]);
      const watching = startKinetic(['status', decisionId, '--watch', '-o', 'json', ...cfg]);
      // Both CLIs must be running before the answer, however long a loaded machine takes to start them.
      await Promise.all([second.printed('stderr', /waiting: decision/), watching.printed('stdout', /"stage":"approval"/)]);
      const rejected = await kinetic(['reject', decisionId, '--as', 'alice@example.com', '--reason', 'not now', ...cfg]);
      expect(rejected.code).toBe(0);

      const dry = await second.done;
      expect(dry.stderr).toContain(`waiting: decision ${decisionId} of convsvc is running (stage awaiting-approval)`);
      expect(dry.code).toBe(0);
      expect(lastJson(dry.stdout)).toMatchObject({ outcome: 'dry-run', service: 'convsvc' });

      const w = await watching.done;
      expect(w.code).toBe(0);
      const lines = w.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatchObject({ id: decisionId, stage: 'approval' });
      expect(lines.at(-1)).toMatchObject({ id: decisionId, stage: 'done', outcome: 'approval-rejected' });

      // A target above maxInstances is refused by policy: nothing changed, exit 3.
      const refused = await kinetic(['decide', '--service', 'convsvc', '--target', '50', '--json', ...cfg]);
      expect(lastJson(refused.stdout)).toMatchObject({ outcome: 'policy-rejected' });
      expect(refused.code).toBe(3);

      // --address/--namespace win over the environment.
      const viaFlags = await kinetic(['status', '--service', 'convsvc', '-o', 'json', '--address', inject('temporalAddress'), '--namespace', 'default'], {
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        TEMPORAL_NAMESPACE: 'nowhere',
      });
      expect(viaFlags.code).toBe(0);
      expect(Array.isArray(JSON.parse(viaFlags.stdout))).toBe(true);
      const wrongNs = await kinetic(['status', '--service', 'convsvc', '--namespace', 'no-such-namespace-18']);
      expect(wrongNs.code).toBe(1);
      expect(wrongNs.stderr).toMatch(/no-such-namespace-18/);
    });
    const badOutput = await kinetic(['status', '-o', 'yaml']);
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toContain('kinetic status: -o/--output takes "json" (the default is text), got "yaml"');
    const noAddress = await kinetic(['status', '--address']);
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toContain('kinetic status: --address needs a value, e.g. --address HOST:PORT');
  });
});

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { kinetic } from '../helpers/cli';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, TestTemporal } from '../helpers/temporal';

let t: TestTemporal;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const done = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    await done;
  }
  await t?.close();
});

/** The real `kinetic worker` (it bundles the workflows itself, with the encrypting failure converter). */
function startKineticWorker(configPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kinetic.js'), 'worker', '--config', configPath], {
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('worker polling')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`kinetic worker exited (${code}): ${out}`)));
  });
}

describe('the kinetic CLI with encryption on', () => {
  it('worker, decide, approve, status and explain work through the codec; a plain client sees only encrypted payloads', async () => {
    const sb = createSandbox();
    const keys = join(sb.dir, 'history.keys');
    writeFileSync(keys, `cli-1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const taskQueue = `enc-cli-${randomUUID()}`;
    sb.writeConfig(
      { 'enc-cli': serviceConfig(sb.csv('enc-cli', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['enc-cli-approver@example.com'], timeout: '60s' } }) },
      { taskQueue, schedules: { applyOnWorkerStart: false }, encryption: { keys: { file: 'history.keys' } } },
    );
    worker = await startKineticWorker(sb.configPath);

    const started = await kinetic(['decide', '--service', 'enc-cli', '--no-wait', '--json', '--config', sb.configPath]);
    expect(started.code).toBe(0);
    const { decisionId, workflowId, runId } = JSON.parse(started.stdout.trim());
    let stage = '';
    for (let i = 0; i < 150 && stage !== 'approval'; i++) {
      const s = await kinetic(['status', decisionId, '--json', '--config', sb.configPath]);
      if (s.code === 0) stage = JSON.parse(s.stdout).stage;
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(stage).toBe('approval');
    const ok = await kinetic(['approve', decisionId, '--as', 'enc-cli-approver@example.com', '--comment', 'cli-comment-91ab', '--config', sb.configPath]);
    expect(ok.stdout).toMatch(`approved ${decisionId} as enc-cli-approver@example.com`);
    await t.client.workflow.getHandle(workflowId, runId).result().catch(() => undefined); // waits; the plain client cannot decode it

    const explained = await kinetic(['explain', decisionId, '--json', '--config', sb.configPath]);
    expect(explained.code).toBe(0);
    expect(JSON.parse(explained.stdout)).toMatchObject({ outcome: 'committed', approval: { decidedBy: 'enc-cli-approver@example.com', comment: 'cli-comment-91ab' } });

    // The plain client (no codec): the input is sealed, and reading the result fails by encoding.
    const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(Buffer.from(input.metadata!.encoding!).toString()).toBe('binary/encrypted');
    await expect(t.client.workflow.getHandle(workflowId, runId).result()).rejects.toThrow(/binary\/encrypted/);

    // A key file others can read: every command refuses with the fix, before reaching Temporal.
    chmodSync(keys, 0o644);
    const refused = await kinetic(['status', decisionId, '--config', sb.configPath]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`readable by group or others (mode 644); run chmod 600 ${keys}`);
  }, 150_000);
});

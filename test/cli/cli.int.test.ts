import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKineticWorker } from '../../worker';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { kinetic } from '../helpers/cli';
import { connectTestTemporal, TestTemporal } from '../helpers/temporal';


let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());


describe('kinetic CLI against the dev server', () => {
  it('decide → approve / reject → status → explain, with clear errors for bad usage', async () => {
    const sb = createSandbox();
    const approval = { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' };
    writeFileSync(
      sb.configPath,
      stringify({ version: 1, taskQueue: t.taskQueue, stateDir: 'state', auth: { mode: 'unverified' }, services: { webcli: serviceConfig(sb.csv('webcli', flat(55)), { approval }) } }),
    );
    const worker = await createKineticWorker({ connection: t.nativeConnection, taskQueue: t.taskQueue, workflowBundlePath: inject('workflowBundlePath'), configPath: sb.configPath });
    await worker.runUntil(async () => {
      const dry = await kinetic(['decide', '--service', 'webcli', '--dry-run', '--json', '--config', sb.configPath]);
      expect(dry.code).toBe(0);
      const dryRec = JSON.parse(dry.stdout.trim().split('\n').pop()!);
      expect(dryRec).toMatchObject({ outcome: 'dry-run', dryRun: true, plan: { from: 2, to: 6 } });

      const started = await kinetic(['decide', '--service', 'webcli', '--no-wait', '--json', '--config', sb.configPath]);
      const { decisionId } = JSON.parse(started.stdout.trim());
      for (let i = 0; i < 100; i++) {
        const s = await kinetic(['status', decisionId, '--json', '--config', sb.configPath]);
        if (s.code === 0 && JSON.parse(s.stdout).stage === 'approval') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const refused = await kinetic(['approve', decisionId, '--as', 'eve@example.com', '--config', sb.configPath]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/"eve@example.com" may not approve decisions of webcli; approvers: alice@example.com/);
      const ok = await kinetic(['approve', decisionId, '--as', 'alice@example.com', '--comment', 'go', '--config', sb.configPath]);
      expect(ok.stdout).toMatch(`approved ${decisionId} as alice@example.com`);
      const rec = await t.kinetic.waitForDecision(decisionId);
      expect(rec.outcome).toBe('committed');

      const explained = await kinetic(['explain', decisionId, '--config', sb.configPath]);
      expect(explained.code).toBe(0);
      expect(explained.stdout).toMatch(/Outcome: committed — 2 → 6 instances applied and verified/);
      expect(explained.stdout).toMatch(/2\. Plan: 2 → 6 instances \(scale-out\)\. P95 window peak 55\.00/);
      expect(explained.stdout).toMatch(/5\. Approval \(manual\): approved by alice@example\.com/);
      expect(explained.stdout).toMatch(/\[ok\] max-step/);

      const list = await kinetic(['status', '--service', 'webcli', '--json', '--config', sb.configPath]);
      // Visibility is eventually consistent; the closed decisions show up shortly.
      expect(list.code).toBe(0);
      expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
    });

    const unknown = await kinetic(['decide', '--service', 'nope', '--config', sb.configPath]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch('unknown service "nope"; kinetic.yaml defines: webcli');
    const noService = await kinetic(['decide', '--config', sb.configPath]);
    expect(noService.stderr).toMatch('kinetic decide: --service is required');
    const badFlag = await kinetic(['decide', '--servce', 'webcli']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--servce'/);
    const help = await kinetic(['--help']);
    for (const c of ['demo', 'dev-server', 'worker', 'decide', 'approve', 'reject', 'status', 'explain']) expect(help.stdout).toMatch(`  ${c} `);
    const decideHelp = await kinetic(['decide', '--help']);
    expect(decideHelp.stdout).toMatch(/Usage: kinetic decide --service NAME/);
  });
});

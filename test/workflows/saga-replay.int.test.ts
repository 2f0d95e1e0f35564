import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, toolPath } from '../../config/tools';
import { createSandbox, flat, serviceConfig, TEST_POOLS, tieredServiceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Determinism guard: histories of real decisions (every outcome path) replay against the current
 * workflow code. Committed histories in test/fixtures/histories/ catch changes that would break
 * decisions already running in production; refresh them with KINETIC_RECORD_HISTORIES=1.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'histories');

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

describe('replay', () => {
  it('histories of every outcome path replay without determinism errors', async () => {
    const sb = createSandbox();
    const approval = { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '30s' };
    sb.writeConfig({
      happy: serviceConfig(sb.csv('happy', flat(55))),
      rejected: serviceConfig(sb.csv('rejected', flat(155)), { maxStepChange: 2 }),
      approved: serviceConfig(sb.csv('approved', flat(55)), { approval }),
      faulty: serviceConfig(sb.csv('faulty', flat(55)), { provisioner: { type: 'fault-injecting', failVerify: true, initialInstances: 2 } }),
      broke: serviceConfig(sb.csv('broke', flat(55)), { budget: { monthly: 1 } }),
      tiered: tieredServiceConfig(sb.csv('tiered', flat(80)), { policy: { stagedScaleIn: { stepPercent: 25, observation: '1h' } } }),
      full: tieredServiceConfig(sb.csv('full', flat(80)), { pools: TEST_POOLS.map((p) => ({ ...p, max: 1 })) }),
    });
    const ids = await withWorker(t, { configPath: sb.configPath }, async () => {
      const started = await Promise.all(
        ['happy', 'rejected', 'approved', 'faulty', 'broke', 'full'].map((s) => t.kinetic.startDecision(s, { timeouts: FAST_TIMEOUTS })),
      );
      const waiting = started[2].decisionId;
      for (let i = 0; i < 200; i++) {
        const rec = await t.kinetic.getDecision(waiting);
        if (rec.stage === 'approval') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await t.kinetic.approve(waiting, 'alice@example.com');
      const recs = await Promise.all(started.map((s) => t.kinetic.waitForDecision(s.decisionId)));
      // A tiered scale-out to 10, then a staged scale-in (one stage of 25%).
      for (const target of [10, 4]) {
        const s = await t.kinetic.startDecision('tiered', { timeouts: FAST_TIMEOUTS, targetOverride: target });
        recs.push(await t.kinetic.waitForDecision(s.decisionId));
      }
      expect(recs.map((r) => r.outcome)).toEqual(['committed', 'policy-rejected', 'committed', 'rolled-back', 'budget-rejected', 'infeasible', 'committed', 'committed']);
      expect(recs[7].plan?.staged?.plannedTo).toBe(4);
      return recs.map((r) => ({ workflowId: r.workflowId, runId: r.runId, outcome: r.outcome! }));
    });

    const histories = await Promise.all(
      ids.map(async (id) => ({ ...id, history: await t.client.workflow.getHandle(id.workflowId, id.runId).fetchHistory() })),
    );
    if (process.env.KINETIC_RECORD_HISTORIES) {
      mkdirSync(FIXTURES, { recursive: true });
      // The CLI writes the canonical proto JSON that historyFromJSON reads back.
      for (const h of histories) {
        const json = execFileSync(toolPath('temporal'), ['workflow', 'show', '--address', inject('temporalAddress'), '-w', h.workflowId, '-r', h.runId, '--output', 'json']);
        writeFileSync(join(FIXTURES, `${h.outcome}-${h.workflowId}-${h.runId.slice(-4)}.json`), json);
      }
    }
    const fixtures = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.json')) : [];
    const all = [
      ...histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
      ...fixtures.map((f) => ({ workflowId: `fixture-${f}`, history: historyFromJSON(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))) })),
    ];
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, all)) {
      results.push(r);
    }
    expect(results).toHaveLength(all.length);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`)).toEqual([]);
  });
});

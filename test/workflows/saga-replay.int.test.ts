import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Every outcome a decision can end with (decision/record.ts). */
const OUTCOMES = [
  'committed',
  'no-change',
  'dry-run',
  'policy-rejected',
  'budget-rejected',
  'infeasible',
  'approval-rejected',
  'approval-timeout',
  'rolled-back',
  'compensation-failed',
  'cancelled',
  'failed',
] as const;

/**
 * The committed fixtures per outcome. A fixture deleted, emptied or renamed by mistake fails the
 * test instead of shrinking what is replayed; adding recorded histories means raising a count here.
 */
const COMMITTED_FIXTURES: Record<(typeof OUTCOMES)[number], number> = {
  committed: 11,
  'no-change': 1,
  'dry-run': 1,
  'policy-rejected': 2,
  'budget-rejected': 2,
  infeasible: 1,
  'approval-rejected': 1,
  'approval-timeout': 1,
  'rolled-back': 3,
  'compensation-failed': 1,
  cancelled: 1,
  failed: 1,
};

/** The outcome in a recorded history: the decision record its completion event returned. */
function outcomeOfFixture(json: { events: Array<Record<string, unknown>> }): string | undefined {
  const last = json.events.at(-1) as { workflowExecutionCompletedEventAttributes?: { result?: { payloads?: Array<{ data: string }> } } } | undefined;
  const data = last?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
  return data === undefined ? undefined : (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { outcome?: string }).outcome;
}

describe('replay', () => {
  it('histories of every outcome path replay without determinism errors', async () => {
    const sb = createSandbox();
    const approval = { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '30s' };
    // Service names are this file's own: the workflow id is scale-<service> in the shared namespace.
    sb.writeConfig({
      'replay-happy': serviceConfig(sb.csv('happy', flat(55))),
      'replay-rejected': serviceConfig(sb.csv('rejected', flat(155)), { maxStepChange: 2 }),
      'replay-approved': serviceConfig(sb.csv('approved', flat(55)), { approval }),
      'replay-faulty': serviceConfig(sb.csv('faulty', flat(55)), { provisioner: { type: 'fault-injecting', failVerify: true, initialInstances: 2 } }),
      'replay-broke': serviceConfig(sb.csv('broke', flat(55)), { budget: { monthly: 1 } }),
      'replay-full': tieredServiceConfig(sb.csv('full', flat(80)), { pools: TEST_POOLS.map((p) => ({ ...p, max: 1 })) }),
      // 25 req/s at 10 per instance plans 3, the fleet's size.
      'replay-steady': serviceConfig(sb.csv('steady', flat(25)), { provisioner: { type: 'dry-run', initialInstances: 3 } }),
      'replay-preview': serviceConfig(sb.csv('preview', flat(55))),
      'replay-refused': serviceConfig(sb.csv('refused', flat(55)), { approval }),
      'replay-unanswered': serviceConfig(sb.csv('unanswered', flat(55)), { approval: { ...approval, timeout: '1s' } }),
      'replay-stuck': serviceConfig(sb.csv('stuck', flat(55)), {
        provisioner: { type: 'fault-injecting', failVerify: true, failRollback: true, initialInstances: 2 },
      }),
      // Apply takes 15 s (heartbeating): long enough to be cancelled while it runs.
      'replay-cancelled': serviceConfig(sb.csv('cancelled', flat(55)), { provisioner: { type: 'fault-injecting', applyDelayMs: 15_000, initialInstances: 2 } }),
      'replay-broken': serviceConfig(sb.csv('broken', [...flat(10, 5), 'NaN', ...flat(10, 5)])),
      'replay-tiered': tieredServiceConfig(sb.csv('tiered', flat(80)), { policy: { stagedScaleIn: { stepPercent: 25, observation: '1h' } } }),
    });
    const waitForStage = async (decisionId: string, stage: string) => {
      for (let i = 0; i < 300; i++) {
        if ((await t.kinetic.getDecision(decisionId)).stage === stage) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${decisionId} never reached stage ${stage}`);
    };
    const ids = await withWorker(t, { configPath: sb.configPath }, async () => {
      const services = [
        'replay-happy',
        'replay-rejected',
        'replay-approved',
        'replay-faulty',
        'replay-broke',
        'replay-full',
        'replay-steady',
        'replay-preview',
        'replay-refused',
        'replay-unanswered',
        'replay-stuck',
        'replay-cancelled',
        'replay-broken',
      ];
      const started = await Promise.all(
        services.map((s) => t.kinetic.startDecision(s, { timeouts: FAST_TIMEOUTS, dryRun: s === 'replay-preview' ? true : undefined })),
      );
      const by = (s: string) => started[services.indexOf(s)];
      await waitForStage(by('replay-approved').decisionId, 'approval');
      await t.kinetic.approve(by('replay-approved').decisionId, 'alice@example.com');
      await waitForStage(by('replay-refused').decisionId, 'approval');
      await t.kinetic.reject(by('replay-refused').decisionId, 'alice@example.com', 'not now');
      await waitForStage(by('replay-cancelled').decisionId, 'provision');
      await t.client.workflow.getHandle(by('replay-cancelled').workflowId, by('replay-cancelled').runId).cancel();
      // A failed rollback waits for an operator; the fleet was left at the plan, so resolving commits the held budget.
      await waitForStage(by('replay-stuck').decisionId, 'needs-operator');
      await t.kinetic.resolve(by('replay-stuck').decisionId, 'alice@example.com', 'checked by hand');
      const recs = await Promise.all(started.map((s) => t.kinetic.waitForDecision(s.decisionId)));
      // A tiered scale-out to 10, then a staged scale-in (one stage of 25%).
      for (const target of [10, 4]) {
        const s = await t.kinetic.startDecision('replay-tiered', { timeouts: FAST_TIMEOUTS, targetOverride: target });
        recs.push(await t.kinetic.waitForDecision(s.decisionId));
      }
      expect(recs.map((r) => r.outcome)).toEqual([
        'committed',
        'policy-rejected',
        'committed',
        'rolled-back',
        'budget-rejected',
        'infeasible',
        'no-change',
        'dry-run',
        'approval-rejected',
        'approval-timeout',
        'compensation-failed',
        'cancelled',
        'failed',
        'committed',
        'committed',
      ]);
      expect(recs[7].provisioning?.changed).toBe(false);
      expect(recs[12].error).toMatch(/not a number/);
      expect(recs[10].compensation.map((c) => [c.step, c.ok])).toEqual([
        ['rollback capacity', false],
        ['hold budget', true],
      ]);
      expect(recs[10].resolution).toMatchObject({ by: 'alice@example.com', budget: 'committed' });
      expect(recs[11].compensation.map((c) => [c.step, c.ok])).toEqual([
        ['rollback capacity', true],
        ['release budget', true],
      ]);
      expect(recs[14].plan?.staged?.plannedTo).toBe(4);
      return recs.map((r) => ({ workflowId: r.workflowId, runId: r.runId, outcome: r.outcome! }));
    });
    // Every outcome is produced by this run, so every path's history is replayed below.
    expect([...new Set(ids.map((i) => i.outcome))].sort()).toEqual([...OUTCOMES].sort());

    const histories = await Promise.all(
      ids.map(async (id) => ({ ...id, history: await t.client.workflow.getHandle(id.workflowId, id.runId).fetchHistory() })),
    );
    const recorded = new Set<string>();
    if (process.env.KINETIC_RECORD_HISTORIES) {
      mkdirSync(FIXTURES, { recursive: true });
      // The CLI writes the canonical proto JSON that historyFromJSON reads back.
      for (const h of histories) {
        const json = execFileSync(toolPath('temporal'), ['workflow', 'show', '--address', inject('temporalAddress'), '-w', h.workflowId, '-r', h.runId, '--output', 'json']);
        const file = `${h.outcome}-${h.workflowId}-${h.runId.slice(-4)}.json`;
        writeFileSync(join(FIXTURES, file), json);
        recorded.add(file);
      }
    }
    // No existsSync fallback: a missing folder throws here, it never replays nothing.
    const fixtures = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const json = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { events: Array<Record<string, unknown>> };
        return { file: f, json, outcome: outcomeOfFixture(json) };
      });
    // Each fixture is a finished decision whose file name starts with its outcome.
    expect(fixtures.filter((f) => !f.outcome || !f.file.startsWith(`${f.outcome}-`)).map((f) => `${f.file}: ${f.outcome}`)).toEqual([]);
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, fixtures.filter((f) => f.outcome === o && !recorded.has(f.file)).length]));
    console.log(`replay fixtures per outcome (${fixtures.length - recorded.size} committed): ${JSON.stringify(counts)}`);
    expect(counts).toEqual(COMMITTED_FIXTURES);
    expect(fixtures.filter((f) => !(OUTCOMES as readonly string[]).includes(f.outcome!))).toEqual([]);

    const all = [
      ...histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
      ...fixtures.map((f) => ({ workflowId: `fixture-${f.file}`, history: historyFromJSON(f.json) })),
    ];
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, all)) {
      results.push(r);
    }
    expect(results).toHaveLength(all.length);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`)).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { budgetTaskQueue } from '../../workflows/budget-definitions';
import { REPO_ROOT, toolPath } from '../../config/tools';
import type { DecisionRecord } from '../../decision/record';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * Upgrading workers under a running decision: one that reached approval on the saga code before
 * decision/review (test/fixtures/workflows) is approved and finished by today's code, with the
 * approval reasons the old code gathered; a decision made wholly by today's code gathers the same
 * reasons in the budget step and records the patch marker. With KINETIC_RECORD_HISTORIES=1 the
 * upgraded history joins test/fixtures/histories/ (the only fixture whose budget step asked for a
 * person under the old code).
 */
const OLD_SAGA = join(REPO_ROOT, 'test', 'fixtures', 'workflows', 'scaling-decision-before-review.ts');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'histories');

let t: TestTemporal;
let oldBundle: string;
beforeAll(async () => {
  t = await connectTestTemporal();
  const dir = join(REPO_ROOT, '.kinetic', 'test');
  mkdirSync(dir, { recursive: true });
  oldBundle = join(dir, `workflow-bundle-before-review-${process.pid}.js`);
  writeFileSync(oldBundle, (await bundleWorkflowCode({ workflowsPath: OLD_SAGA, logger: quiet })).code);
});
afterAll(async () => t?.close());

/** 2 → 6 instances: above the auto-approve step of 1 and over a budget of 1.00/month that asks a person. */
const needsTwoApprovals = (csv: string) =>
  serviceConfig(csv, {
    approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '60s' },
    budget: { monthly: 1, onExceed: 'require-approval' },
  });
const reasonsFor = (service: string) => [
  'change of 4 is above the auto-approve limit of 1',
  `budget: projected 438.30/month (this service 438.30 + others 0.00 + pending 0.00) exceeds the ${service} budget of 1.00 (budget.onExceed is require-approval)`,
];

describe('a decision started before decision/review', () => {
  it('is approved and committed by today\'s workers, keeping the reasons the old code gathered', async () => {
    const sb = createSandbox();
    sb.writeConfig({ 'upgrade-old': needsTwoApprovals(sb.csv('old', flat(55))), 'upgrade-new': needsTwoApprovals(sb.csv('new', flat(55))) });

    // The old code with the activities of its time: reserveBudget answered with the summary only.
    const today = createActivities({ configPath: sb.configPath });
    const activitiesThen = {
      ...today,
      reserveBudget: async (input: Parameters<typeof today.reserveBudget>[0]) =>
        (await today.reserveBudget({ ...input, approval: { auto: true, reasons: [] } })).budget,
    };
    const oldWorker = await Worker.create({
      connection: t.nativeConnection,
      taskQueue: t.taskQueue,
      workflowBundle: { codePath: oldBundle },
      activities: activitiesThen,
      // No cache: the next workflow task goes to whichever worker polls, which replays the history.
      maxCachedWorkflows: 0,
    });
    // Today's activities reserve through the budget authority, which runs on its own task queue.
    const budgetWorker = await Worker.create({
      connection: t.nativeConnection,
      taskQueue: budgetTaskQueue(t.taskQueue),
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: today,
    });
    const started = await budgetWorker.runUntil(() =>
      oldWorker.runUntil(async () => {
        const s = await t.kinetic.startDecision('upgrade-old', { timeouts: FAST_TIMEOUTS });
        const waiting = await waitForApproval(s.decisionId);
        expect(waiting.approval?.reasons).toEqual(reasonsFor('upgrade-old'));
        return s;
      }),
    );

    const [upgraded, fresh] = await withWorker(t, { configPath: sb.configPath }, async () => {
      await t.kinetic.approve(started.decisionId, 'alice@example.com');
      const s = await t.kinetic.startDecision('upgrade-new', { timeouts: FAST_TIMEOUTS });
      const waiting = await waitForApproval(s.decisionId);
      await t.kinetic.approve(s.decisionId, 'alice@example.com');
      expect(waiting.approval?.reasons).toEqual(reasonsFor('upgrade-new'));
      return Promise.all([t.kinetic.waitForDecision(started.decisionId), t.kinetic.waitForDecision(s.decisionId)]);
    });
    for (const [rec, service] of [[upgraded, 'upgrade-old'], [fresh, 'upgrade-new']] as const) {
      expect(rec.outcome).toBe('committed');
      expect(rec.approval).toMatchObject({ mode: 'manual', decision: 'approved', decidedBy: 'alice@example.com', reasons: reasonsFor(service) });
      expect(rec.budget).toMatchObject({ reserved: true, approvalReasons: [reasonsFor(service)[1]] });
    }

    const historyOf = (r: DecisionRecord) => t.client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
    const patches = async (r: DecisionRecord) =>
      (await historyOf(r)).events!
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data'].payloads![0].data!).toString()).id);
    // The old run reached its budget step before the patch existed; its record step ran on today's code.
    // Approved on today's code, the old run's plan is also re-checked before it is applied.
    expect(await patches(upgraded)).toEqual(['approved-plan-rechecked-before-apply', 'approved-plan-budget-rechecked', 'record-step-retries-until-written']);
    // A fresh decision records its markers in its first task: one for every change of the marker's
    // time, then one per later change (workflows/saga-changes.ts says why, and why not where used).
    expect(await patches(fresh)).toEqual(['saga-changes-decided-at-start', 'workflow-sets-own-search-attributes', 'merged-decision-steps']);
    for (const r of [upgraded, fresh]) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await historyOf(r), r.workflowId);
    }

    if (process.env.KINETIC_RECORD_HISTORIES) {
      const json = execFileSync(toolPath('temporal'), ['workflow', 'show', '--address', inject('temporalAddress'), '-w', upgraded.workflowId, '-r', upgraded.runId, '--output', 'json']);
      writeFileSync(join(FIXTURES, `committed-${upgraded.workflowId}-${upgraded.runId.slice(-4)}.json`), json);
    }
  });
});

async function waitForApproval(decisionId: string): Promise<DecisionRecord> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rec = await t.kinetic.getDecision(decisionId).catch(() => undefined);
    if (rec?.stage === 'approval') return rec;
    if (Date.now() > deadline) throw new Error(`decision never reached approval (at ${rec?.stage})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

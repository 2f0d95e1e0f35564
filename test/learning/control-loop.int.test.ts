import type { ChildProcess } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FaultInjectingProvisioner } from '../../provisioners/fault-injecting';
import { FileAuditLog } from '../../store/audit';
import { FilePredictionStore } from '../../store/prediction-store';
import {
  controlLoop,
  loopStatusQuery,
  loopWorkflowId,
  pauseLoopSignal,
  resumeLoopSignal,
  setLoopIntervalSignal,
  stopLoopSignal,
} from '../../workflows/control-loop';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { killWorker, startWorkerProcess, workerRunningActivity } from '../helpers/worker-process';

let t: TestTemporal;
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const c of children) await killWorker(c);
  await t?.close();
});

const FAST_MODELS = { models: ['naive', 'seasonalNaive', 'ewma'] };

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('control loop', () => {
  it('forecast-only runs dry-run decisions: records what it would do, provisions nothing, and obeys pause/resume/setInterval', async () => {
    const sb = createSandbox();
    // Demand 55, capacity 10 → 6 instances planned; the fleet has 2.
    sb.writeConfig({ shoploop: serviceConfig(sb.csv('shoploop', flat(55, 40)), { learning: { ...FAST_MODELS, loop: { mode: 'forecast-only' } } }) });
    const workflowId = `${loopWorkflowId('shoploop')}-${t.taskQueue}`;
    const final = await withWorker(t, { configPath: sb.configPath }, async () => {
      const h = await t.client.workflow.start(controlLoop, {
        workflowId,
        taskQueue: t.taskQueue,
        args: [{ service: 'shoploop', intervalSeconds: 60, maxIterations: 4, observeTimeoutSeconds: 20 }],
      });
      await until('first iteration', async () => (await h.query(loopStatusQuery)).iteration >= 1);
      // The interval is 60 s: only the signal makes the next iterations come quickly.
      await h.signal(setLoopIntervalSignal, 1);
      await until('second iteration', async () => (await h.query(loopStatusQuery)).iteration >= 2);
      await h.signal(pauseLoopSignal);
      await until('paused', async () => (await h.query(loopStatusQuery)).paused);
      const pausedAt = (await h.query(loopStatusQuery)).iteration;
      await new Promise((r) => setTimeout(r, 2500));
      expect((await h.query(loopStatusQuery)).iteration).toBe(pausedAt);
      await h.signal(resumeLoopSignal);
      return h.result();
    });
    expect(final.iteration).toBe(4);
    expect(final.intervalSeconds).toBe(1);
    expect(final.decisionsStarted).toBe(4);
    expect(final.recent.map((e) => e.action)).toEqual(['would-scale', 'would-scale', 'would-scale', 'would-scale']);
    expect(final.recent[0]).toMatchObject({ from: 2, to: 6, outcome: 'dry-run' });
    // Nothing provisioned; every dry run recorded, and the prediction each acted on stored under its id.
    expect((await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).current('shoploop')).total).toBe(2);
    const ledger = await new FileAuditLog(sb.stateRoot).all();
    expect(ledger.map((r) => r.outcome)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dry-run']);
    const preds = await new FilePredictionStore(sb.stateRoot).forService('shoploop');
    expect(preds.map((p) => p.decisionId).sort()).toEqual(ledger.map((r) => r.id).sort());
    for (const p of preds) {
      expect(Object.keys(p.perModel).sort()).toEqual(['ewma', 'naive', 'seasonalNaive']);
      expect(p.ensemble[0]).toBeCloseTo(55);
      expect(p.plannedDemand).toBeCloseTo(55);
    }
  });

  it('survives a worker SIGKILL mid-decision and continue-as-new without losing state or double-starting', async () => {
    const sb = createSandbox();
    sb.writeConfig({
      durableloop: serviceConfig(sb.csv('durableloop', flat(55, 40)), {
        learning: FAST_MODELS,
        provisioner: { type: 'fault-injecting', initialInstances: 2, applyDelayMs: 2500 },
      }),
    });
    const fleet = new FaultInjectingProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }, { failApplyAfterPartial: false, failVerify: false, applyDelayMs: 0 });
    // Two workers from the start: the one provisioning is killed, the other takes over.
    const workers = await Promise.all([startWorkerProcess(t.taskQueue, sb.configPath, children), startWorkerProcess(t.taskQueue, sb.configPath, children)]);
    const workflowId = `${loopWorkflowId('durableloop')}-${t.taskQueue}`;
    const h = await t.client.workflow.start(controlLoop, {
      workflowId,
      taskQueue: t.taskQueue,
      args: [
        {
          service: 'durableloop',
          intervalSeconds: 1,
          iterationsPerRun: 2,
          maxIterations: 5,
          observeTimeoutSeconds: 20,
          decisionTimeouts: { ...FAST_TIMEOUTS, heartbeatSeconds: 4, provisionSeconds: 30 },
        },
      ],
    });
    const pid = await workerRunningActivity(() => t.client.workflow.getHandle('scale-durableloop').describe(), 'applyCapacity');
    expect(fleet.readFleet('durableloop').applyStarted).toHaveLength(1);
    await killWorker(workers.find((w) => w.pid === pid)!);
    expect(fleet.readFleet('durableloop').history).toEqual([]); // killed before the change landed

    const final = await h.result();
    expect(final.iteration).toBe(5);
    expect(final.runs).toBeGreaterThanOrEqual(3); // 5 iterations at 2 per run: two continue-as-new
    expect(final.recent[0]).toMatchObject({ action: 'decision', outcome: 'committed', from: 2, to: 6 });
    // Later iterations: each decision finds the fleet already right.
    expect(final.recent.map((e) => [e.action, e.outcome])).toEqual([
      ['decision', 'committed'],
      ['decision', 'no-change'],
      ['decision', 'no-change'],
      ['decision', 'no-change'],
      ['decision', 'no-change'],
    ]);
    expect(final.decisionsStarted).toBe(5);
    expect(final.lastDecision).toMatchObject({ from: 6, to: 6, outcome: 'no-change' });
    expect(fleet.readFleet('durableloop').history.filter((x) => x.kind === 'apply')).toHaveLength(1);
    const ledger = await new FileAuditLog(sb.stateRoot).all();
    expect(ledger.map((r) => r.outcome)).toEqual(['committed', 'no-change', 'no-change', 'no-change', 'no-change']);
    expect(ledger[0]).toMatchObject({ trigger: { kind: 'control-loop', by: workflowId } });
    // One stored prediction per decision, under its id (a retried forecast stored nothing twice).
    const preds = await new FilePredictionStore(sb.stateRoot).forService('durableloop');
    expect(preds.map((p) => p.decisionId).sort()).toEqual(ledger.map((r) => r.id).sort());
    await h.signal(stopLoopSignal).catch(() => undefined); // already closed: harmless
    for (const c of children) await killWorker(c); // its config must not serve the next test's task queue

    // Determinism: the first run (child start, worker killed) and the last run replay cleanly.
    const histories = [
      { workflowId, history: await t.client.workflow.getHandle(workflowId, h.firstExecutionRunId).fetchHistory() },
      { workflowId, history: await t.client.workflow.getHandle(workflowId).fetchHistory() },
    ];
    const replays = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) replays.push(r);
    expect(replays.filter((r) => r.error).map((r) => String(r.error))).toEqual([]);
  });
});

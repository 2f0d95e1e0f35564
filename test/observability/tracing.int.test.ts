import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { createPulumiLocalProvisioner } from '../../provisioners/pulumi-local';
import { kinetic } from '../helpers/cli';
import { parentOf, startJaeger, tagOf, type JaegerServer, type JaegerSpan, type JaegerTrace } from '../helpers/jaeger';
import { PORT_BLOCKS, poolPort } from '../helpers/ports';
import { waitFor } from '../helpers/prometheus';
import { createSandbox, flat, serviceConfig, type Sandbox } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal } from '../helpers/temporal';
import { killWorker } from '../helpers/worker-process';

/**
 * Real parts end to end: `kinetic worker` in its own process with tracing on (the config's
 * observability.tracing.endpoint) and JSON logs, a real Jaeger (built from its Go module)
 * receiving OTLP/HTTP, decisions through the dev server — one from `kinetic decide` (traced CLI),
 * one from a plain client (as another SDK would start it) — and the traces read back through
 * Jaeger's query API; the worker's stdout parsed line by line as JSON.
 */

let t: TestTemporal;
let jaeger: JaegerServer;
let sb: Sandbox;
let worker: ChildProcess | undefined;
let stdout = '';
const SECRET = 'Hunter2Secret';

beforeAll(async () => {
  t = await connectTestTemporal();
  jaeger = await startJaeger();
  sb = createSandbox('kinetic-trace-');
  sb.writeConfig(
    {
      // Pulumi: `pulumi up` of a real local pool (2 members for demand 15) is a span inside applyCapacity.
      'trace-pool': serviceConfig(sb.csv('trace-pool', flat(15)), {
        minInstances: 0,
        provisioner: { type: 'pulumi-local', basePort: poolPort(PORT_BLOCKS.tracing, 0), env: { SAMPLE_CPU_MS: '1' } },
      }),
      // Verification fails: the decision rolls back (compensation steps in the trace).
      'trace-rollback': serviceConfig(sb.csv('trace-rollback', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, failVerify: true } }),
      // A Prometheus URL with a password that does not answer: the forecast fails and the error (with the URL) is logged, redacted.
      'trace-secret': serviceConfig('unused.csv', { metrics: { source: 'prometheus', url: `http://kinetic:${SECRET}@127.0.0.1:9/`, query: 'up' } }),
    },
    // The CLI starts decisions on the config's task queue: the test's own.
    { taskQueue: t.taskQueue, schedules: { applyOnWorkerStart: false }, observability: { tracing: { endpoint: jaeger.otlpUrl }, logFormat: 'json' } },
  );
  worker = spawn(process.execPath, [join(REPO_ROOT, 'bin/kinetic.js'), 'worker', '--config', sb.configPath, '--task-queue', t.taskQueue], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  worker.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => stdout.includes('worker polling') && (clearInterval(timer), resolve()), 100);
    worker!.once('exit', (code, signal) => (clearInterval(timer), reject(new Error(`kinetic worker exited early with ${code ?? signal}: ${stdout}${stderr}`))));
  });
}, 180_000);

afterAll(async () => {
  if (worker) await killWorker(worker);
  await createPulumiLocalProvisioner({ rootDir: join(sb.stateRoot, 'pulumi') }).destroy('trace-pool').catch(() => undefined);
  await jaeger?.stop();
  await t?.close();
}, 120_000);

const KEYS = { service: 'kinetic.service', decisionId: 'kinetic.decision_id', outcome: 'kinetic.outcome', step: 'kinetic.step' };

/** The traces of kinetic-worker that have a span of `decisionId`, once its RunWorkflow (exported when the decision ends) is there. */
async function tracesOf(decisionId: string): Promise<JaegerTrace[]> {
  let found: JaegerTrace[] = [];
  await waitFor(`the trace of ${decisionId} in jaeger`, async () => {
    const all = await jaeger.traces('kinetic-worker');
    found = all.filter((tr) => tr.spans.some((s) => tagOf(s, KEYS.decisionId) === decisionId));
    return found.some((tr) => tr.spans.some((s) => s.operationName === 'RunWorkflow:scalingDecision' && tagOf(s, KEYS.decisionId) === decisionId));
  }, 60_000);
  return found;
}

const byName = (tr: JaegerTrace, name: string) => tr.spans.filter((s) => s.operationName === name);
const one = (tr: JaegerTrace, name: string): JaegerSpan => {
  const spans = byName(tr, name);
  expect(spans, name).toHaveLength(1);
  return spans[0];
};
const service = (tr: JaegerTrace, s: JaegerSpan) => tr.processes[s.processID].serviceName;
/** The steps of a decision in the order they ran: its RunActivity spans by start time. */
const steps = (tr: JaegerTrace) =>
  tr.spans
    .filter((s) => s.operationName.startsWith('RunActivity:'))
    .sort((a, b) => a.startTime - b.startTime)
    .map((s) => tagOf(s, KEYS.step));

describe('traces of decisions in a real Jaeger', () => {
  it('kinetic decide: one trace rooted at the CLI, a span per saga step in order, pulumi up and verification under their activities, decision attributes', async () => {
    const res = await kinetic(['decide', '--service', 'trace-pool', '--config', sb.configPath, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const record = JSON.parse(res.stdout.trim().split('\n').pop()!) as { id: string; outcome: string; workflowId: string; runId: string };
    expect(record.outcome).toBe('committed');

    const traces = await tracesOf(record.id);
    expect(traces).toHaveLength(1);
    const tr = traces[0];
    // The root: the CLI's StartDecision (service kinetic-cli), the workflow run below its StartWorkflow.
    const root = one(tr, 'StartDecision');
    expect(parentOf(root)).toBeUndefined();
    expect(service(tr, root)).toBe('kinetic-cli');
    expect(tagOf(root, KEYS.decisionId)).toBe(record.id);
    const start = one(tr, 'StartWorkflow:scalingDecision');
    expect(parentOf(start)).toBe(root.spanID);
    const run = one(tr, 'RunWorkflow:scalingDecision');
    expect(parentOf(run)).toBe(start.spanID);
    expect(service(tr, run)).toBe('kinetic-worker');
    expect([tagOf(run, KEYS.service), tagOf(run, KEYS.decisionId), tagOf(run, KEYS.outcome)]).toEqual(['trace-pool', record.id, 'committed']);
    expect(tr.spans.filter((s) => parentOf(s) === undefined)).toEqual([root]);

    // A span per step, in the order the saga runs them; each step's StartActivity is a child of RunWorkflow.
    // Plan, policy and budget reserve are one activity (saga change merged-decision-steps), step
    // `plan`; the budget commit runs in the record step's activity.
    expect(steps(tr)).toEqual(['context', 'forecast', 'plan', 'provision', 'verify', 'record']);
    const ids = new Map(tr.spans.map((s) => [s.spanID, s]));
    for (const s of tr.spans.filter((x) => x.operationName.startsWith('RunActivity:'))) {
      const scheduled = ids.get(parentOf(s)!)!;
      expect(scheduled.operationName).toBe(s.operationName.replace('RunActivity:', 'StartActivity:'));
      expect(parentOf(scheduled)).toBe(run.spanID);
      expect([tagOf(s, KEYS.service), tagOf(s, KEYS.decisionId)]).toEqual(['trace-pool', record.id]);
      expect(tagOf(scheduled, KEYS.step)).toBe(tagOf(s, KEYS.step));
    }
    expect(tagOf(one(tr, 'RunActivity:commitBudgetAndRecord'), KEYS.outcome)).toBe('committed');

    // Provisioning inside the activities: the provisioner's apply, `pulumi up` inside it; verification.
    const apply = one(tr, 'provision.apply');
    expect(parentOf(apply)).toBe(one(tr, 'RunActivity:applyCapacity').spanID);
    expect(tagOf(apply, 'kinetic.provisioner')).toBe('pulumi-local');
    const up = one(tr, 'pulumi.up');
    expect(parentOf(up)).toBe(apply.spanID);
    expect(tagOf(up, 'pulumi.changes.create')).toBeGreaterThan(0);
    expect(up.startTime).toBeGreaterThanOrEqual(apply.startTime);
    expect(up.startTime + up.duration).toBeLessThanOrEqual(apply.startTime + apply.duration);
    const verify = one(tr, 'provision.verify');
    expect(parentOf(verify)).toBe(one(tr, 'RunActivity:verifyCapacity').spanID);
    expect([tagOf(verify, 'kinetic.verify.ok'), tagOf(verify, 'kinetic.verify.healthy')]).toEqual([true, 2]);

    // Workers that run without tracing (the bundle without its interceptors) replay the traced decision.
    const history = await t.client.workflow.getHandle(record.workflowId, record.runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, record.workflowId);
  }, 300_000);

  it('a decision started without tracing (as by another SDK): one trace rooted at RunWorkflow, compensation steps after the failed verification', async () => {
    const d = await t.kinetic.startDecision('trace-rollback', { timeouts: FAST_TIMEOUTS });
    expect((await t.kinetic.waitForDecision(d.decisionId)).outcome).toBe('rolled-back');
    const traces = await tracesOf(d.decisionId);
    expect(traces).toHaveLength(1);
    const tr = traces[0];
    const run = one(tr, 'RunWorkflow:scalingDecision');
    expect(parentOf(run)).toBeUndefined();
    expect(tr.spans.filter((s) => parentOf(s) === undefined)).toEqual([run]);
    expect([tagOf(run, KEYS.decisionId), tagOf(run, KEYS.outcome)]).toEqual([d.decisionId, 'rolled-back']);
    expect(steps(tr)).toEqual(['context', 'forecast', 'plan', 'provision', 'verify', 'compensate', 'compensate', 'record']);
    const rollback = one(tr, 'provision.rollback');
    expect(parentOf(rollback)).toBe(one(tr, 'RunActivity:rollbackCapacity').spanID);
    expect(tagOf(one(tr, 'provision.verify'), 'kinetic.verify.ok')).toBe(false);
  }, 120_000);
});

describe("the worker's JSON log lines", () => {
  it('are JSON with level, time and msg; activity lines of a decision carry decisionId, workflowId and runId; secrets are redacted', async () => {
    const d = await t.kinetic.startDecision('trace-secret', { timeouts: FAST_TIMEOUTS });
    const rec = await t.kinetic.waitForDecision(d.decisionId);
    expect(rec.outcome).toBe('failed');
    let lines: Array<Record<string, unknown>> = [];
    await waitFor('the decision recorded line', async () => {
      lines = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines.some((l) => l.msg === 'decision recorded' && l.decisionId === d.decisionId);
    });
    for (const l of lines) {
      expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(l.level);
      expect(Number.isNaN(Date.parse(String(l.time)))).toBe(false);
      expect(typeof l.msg).toBe('string');
    }
    const ofDecision = lines.filter((l) => l.sdkComponent === 'activity' && l.decisionId === d.decisionId);
    expect(ofDecision.map((l) => l.msg)).toContain('decision recorded');
    for (const l of ofDecision) expect([l.workflowId, l.runId, l.service]).toEqual([rec.workflowId, rec.runId, 'trace-secret']);
    // The first decision's steps were logged too, each with its ids (and the trace it belongs to).
    const stepLines = lines.filter((l) => l.msg === 'decision step done' && l.service === 'trace-pool');
    // The budget commit runs in the record step (saga change merged-decision-steps): its line is 'decision recorded'.
    expect(stepLines.map((l) => l.step)).toEqual(expect.arrayContaining(['context', 'forecast', 'plan', 'provision', 'verify']));
    for (const l of stepLines) expect(l).toMatchObject({ decisionId: expect.stringMatching(/^trace-pool-/), workflowId: 'scale-trace-pool', runId: expect.any(String), trace_id: expect.any(String) });
    // The failed forecast's error named the Prometheus URL: logged, with its password redacted.
    expect(stdout).not.toContain(SECRET);
    expect(lines.some((l) => JSON.stringify(l).includes('kinetic:***@127.0.0.1:9'))).toBe(true);
  }, 120_000);
});

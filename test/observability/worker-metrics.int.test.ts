import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { freePort, startPrometheus, waitFor, type PrometheusServer } from '../helpers/prometheus';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal } from '../helpers/temporal';
import { killWorker } from '../helpers/worker-process';
import { dashboardExprs, familyOf, metricNamesIn } from './promql-names';

const RULES = join(REPO_ROOT, 'observability/prometheus/kinetic-rules.yml');
const DASHBOARD = join(REPO_ROOT, 'observability/grafana/kinetic.json');

/**
 * Real parts end to end: `kinetic worker --metrics-port` in its own process, a real Prometheus
 * scraping it every second, decisions through the dev server, and the series read back through
 * Prometheus's HTTP API.
 */

let t: TestTemporal;
let prom: PrometheusServer | undefined;
const procs: ChildProcess[] = [];
/** Decisions left waiting for an operator: terminated after the test. */
const held: string[] = [];

beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  for (const id of held) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await prom?.stop();
  for (const p of procs) await killWorker(p);
  await t?.close();
});

/** `kinetic worker` as a user runs it; resolves with its metrics URL once it polls. */
function startCliWorker(configPath: string, taskQueue: string, metricsPort: number): Promise<string> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/kinetic.js'), 'worker', '--config', configPath, '--task-queue', taskQueue, '--metrics-port', String(metricsPort)], {
    cwd: REPO_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  return new Promise((resolve, reject) => {
    // Bundling and worker INFO lines go to stderr: kept, and shown only if the worker dies early.
    let out = '';
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /metrics on (http[^\s"]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code, signal) => reject(new Error(`kinetic worker exited early with ${code ?? signal}: ${out}`)));
  });
}

/** Waits until `expr` returns the series Prometheus has scraped by now, and returns them. */
async function seriesOf(expr: string, ready: (rows: Array<{ metric: Record<string, string>; value: number }>) => boolean) {
  let rows: Array<{ metric: Record<string, string>; value: number }> = [];
  await waitFor(`prometheus: ${expr}`, async () => ready((rows = await prom!.query(expr))), 30_000);
  return rows;
}

describe('worker /metrics scraped by a real Prometheus', () => {
  it('exports decisions by outcome, stage durations, capacity and demand, pending approvals, a failed compensation (its alert firing) and Temporal SDK metrics', async () => {
    const sb = createSandbox();
    // obsmetrics: demand 55 at 10 per instance → 6 instances from 2 (auto-approved); obsapproval:
    // the same jump needs a person (auto-approve only up to 1 instance).
    sb.writeConfig(
      {
        obsmetrics: serviceConfig(sb.csv('obsmetrics', flat(55))),
        obsapproval: serviceConfig(sb.csv('obsapproval', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '5m' } }),
        // Verification and rollback both fail: compensation fails and the decision waits for an operator.
        obscomp: serviceConfig(sb.csv('obscomp', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, failVerify: true, failRollback: true } }),
      },
      { schedules: { applyOnWorkerStart: false } },
    );
    const metricsPort = await freePort();
    const metricsUrl = await startCliWorker(sb.configPath, t.taskQueue, metricsPort);
    expect(metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    prom = await startPrometheus({ 'kinetic-worker': `127.0.0.1:${metricsPort}` }, [RULES]);
    await seriesOf('up{job="kinetic-worker"} == 1', (r) => r.length === 1);

    // The sequence: scale out (committed), nothing to do (no-change), a dry run to 8, then one waiting for approval.
    const outcomes: string[] = [];
    for (const opts of [{}, {}, { dryRun: true, targetOverride: 8 }]) {
      const d = await t.kinetic.startDecision('obsmetrics', { timeouts: FAST_TIMEOUTS, ...opts });
      outcomes.push((await t.kinetic.waitForDecision(d.decisionId)).outcome!);
    }
    expect(outcomes).toEqual(['committed', 'no-change', 'dry-run']);
    const waiting = await t.kinetic.startDecision('obsapproval', { timeouts: FAST_TIMEOUTS });

    const pending = await seriesOf('kinetic_approvals_pending{service="obsapproval"}', (r) => r[0]?.value === 1);
    expect(pending).toHaveLength(1);
    await t.kinetic.reject(waiting.decisionId, 'alice@example.com', 'not now');
    expect((await t.kinetic.waitForDecision(waiting.decisionId)).outcome).toBe('approval-rejected');
    await seriesOf('kinetic_approvals_pending{service="obsapproval"}', (r) => r[0]?.value === 0);

    // A failed compensation is counted, and its alert fires, while the decision waits for an operator.
    const broken = await t.kinetic.startDecision('obscomp', { timeouts: FAST_TIMEOUTS });
    held.push(broken.workflowId);
    await seriesOf('kinetic_compensation_failures_total{service="obscomp",step="rollback capacity"}', (r) => r[0]?.value === 1);
    expect((await t.kinetic.getDecision(broken.decisionId)).stage).toBe('needs-operator');
    await waitFor('KineticCompensationFailed firing for obscomp', async () => {
      const alerts = (await (await fetch(`${prom!.url}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return alerts.data.alerts.some((a) => a.labels.alertname === 'KineticCompensationFailed' && a.labels.service === 'obscomp' && a.state === 'firing');
    });

    // Decisions by outcome: exactly the ones run above (the held one has not ended).
    const decisions = await seriesOf('sum by (service, outcome, direction) (kinetic_decisions_total{job="kinetic-worker"})', (r) => r.length === 4);
    const byOutcome = Object.fromEntries(decisions.map((r) => [`${r.metric.service}/${r.metric.outcome}/${r.metric.direction}`, r.value]));
    expect(byOutcome).toEqual({
      'obsmetrics/committed/out': 1,
      'obsmetrics/no-change/none': 1,
      'obsmetrics/dry-run/out': 1,
      'obsapproval/approval-rejected/out': 1,
    });

    // Stage durations: every decision forecast; only the committed one provisioned and verified.
    const stages = await prom.query('sum by (stage) (kinetic_decision_stage_duration_seconds_count{service="obsmetrics"})');
    const stageCounts = Object.fromEntries(stages.map((r) => [r.metric.stage, r.value]));
    expect(stageCounts).toMatchObject({ forecast: 3, plan: 3, provision: 1, verify: 1, commit: 1 });
    const approvalWait = await prom.query('kinetic_approval_wait_seconds_count{service="obsapproval",answer="rejected"}');
    expect(approvalWait.map((r) => r.value)).toEqual([1]);
    const latency = await prom.query('kinetic_scaling_latency_seconds_count{service="obsmetrics"}');
    expect(latency.map((r) => r.value)).toEqual([1]);

    // Demand and capacity from the config and the CSV: flat 55; 6 planned; 20 × 10 at most.
    const gauge = async (expr: string) => (await prom!.query(expr)).map((r) => r.value);
    expect((await gauge('kinetic_demand_predicted{service="obsmetrics",quantile="p90"}'))[0]).toBeCloseTo(55);
    expect(await gauge('kinetic_demand_observed{service="obsmetrics"}')).toEqual([55]);
    expect(await gauge('kinetic_capacity_max_demand{service="obsmetrics"}')).toEqual([200]);
    // The last decision (the dry run to 8) planned from the 6 instances the first one committed.
    expect(await gauge('kinetic_capacity_current_instances{service="obsmetrics"}')).toEqual([6]);
    expect(await gauge('kinetic_capacity_planned_instances{service="obsmetrics"}')).toEqual([8]);
    // 55 of 60 used; at target utilisation 1 the unneeded share is 5/60.
    expect((await gauge('kinetic_utilisation_ratio{service="obsmetrics"}'))[0]).toBeCloseTo(55 / 60);
    expect((await gauge('kinetic_waste_ratio{service="obsmetrics"}'))[0]).toBeCloseTo(5 / 60);

    // Temporal's own SDK metrics through the runtime's exporter, on the same page.
    const completed = await seriesOf(`sum(temporal_workflow_completed_total{task_queue="${t.taskQueue}"})`, (r) => (r[0]?.value ?? 0) >= 4);
    expect(completed[0].value).toBeGreaterThanOrEqual(4);
    const requests = await prom.query('sum(temporal_request_total{job="kinetic-worker"})');
    expect(requests[0]?.value).toBeGreaterThan(0);

    // The shipped rules and dashboard read only families this worker's page declares.
    const page = await (await fetch(metricsUrl)).text();
    const types = new Map([...page.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    const histograms = new Set([...types].filter(([, type]) => type === 'histogram').map(([n]) => n));
    const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((g) => g.rules);
    const exprs = [...rules.map((r) => ({ where: r.alert, expr: r.expr })), ...dashboardExprs(JSON.parse(readFileSync(DASHBOARD, 'utf8')))];
    const unknown = exprs.flatMap(({ where, expr }) => metricNamesIn(expr).filter((n) => n !== 'up' && !types.has(familyOf(n, histograms))).map((n) => `${where}: ${n}`));
    expect(unknown).toEqual([]);
    // Prometheus loaded the rules and evaluates every one of them without error.
    const loaded = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
    const health = loaded.data.groups.flatMap((g) => g.rules).map((r) => `${r.name}: ${r.health}${r.lastError ? ` ${r.lastError}` : ''}`);
    expect(health).toEqual(rules.map((r) => `${r.alert}: ok`));
  });
});

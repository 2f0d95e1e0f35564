/**
 * The CPU a traced worker spends on one decision's spans, outside the saga (issue 15): the
 * activity interceptors and the run sink of `tracingWorkerOptions` (observability/decision-spans.ts)
 * for the nine steps of a committed decision, the spans batched and exported over OTLP/HTTP to a
 * real Jaeger (test/helpers/jaeger.ts), against the same steps run without them. Both sides create
 * the same activity Contexts (Temporal's test environment) and do the same work in the step; the
 * difference is the tracing, export included (every 50 decisions, about 1,000 spans a batch). Process CPU (user + system) with process.cpuUsage, rounds alternating.
 *
 *   npx tsx bench/decision-tracing-cost.ts [--decisions 2000] [--rounds 5]
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { WorkflowInfo } from '@temporalio/workflow';
import { DECISION_HEADER } from '../observability/decision-attributes';
import { DECISION_TRACE_SINK, TRACE_CARRIER_HEADER } from '../observability/decision-trace';
import { startTracing, tracingWorkerOptions } from '../observability/tracing';
import { startJaeger } from '../test/helpers/jaeger';
import { commandLine, uptime } from './helpers/run-info';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: expected a whole number ≥ 1, got ${process.argv[i + 1]}`);
  return v;
}
const DECISIONS = flag('decisions', 2000);
const ROUNDS = flag('rounds', 5);
const STEPS = ['loadDecisionContext', 'forecastDemand', 'planCapacity', 'checkPolicy', 'reserveBudget', 'applyCapacity', 'verifyCapacity', 'commitBudget', 'recordDecision'];

type Execute = (input: { args: unknown[]; headers: Record<string, ReturnType<typeof defaultPayloadConverter.toPayload>> }, next: (i: unknown) => Promise<unknown>) => Promise<unknown>;

async function main() {
  const before = uptime();
  const jaeger = await startJaeger();
  const tracing = await startTracing({ serviceName: 'kinetic-bench-tracing', url: `${jaeger.otlpUrl}/v1/traces` });
  const traced = tracingWorkerOptions(tracing);
  const sink = traced.sinks[DECISION_TRACE_SINK].runEnded.fn;
  // The step's own work, the same on both sides.
  const step = async () => ({ ok: true });

  async function decisions(n: number, withTracing: boolean, round: number): Promise<number> {
    const cpu0 = process.cpuUsage();
    for (let d = 0; d < n; d++) {
      const runId = `bench-${round}-${d}-${withTracing ? 't' : 'p'}`;
      const decision = { decisionId: `svc-${d % 20}-${round}-${d}`, service: `svc-${d % 20}` };
      const headers = { [DECISION_HEADER]: defaultPayloadConverter.toPayload(decision), [TRACE_CARRIER_HEADER]: defaultPayloadConverter.toPayload({}) };
      for (const [i, activityType] of STEPS.entries()) {
        const env = new MockActivityEnvironment({
          activityType,
          activityId: String(i + 1),
          workflowExecution: { workflowId: `scale-${decision.service}`, runId },
          workflowType: 'scalingDecision',
          scheduledTimestampMs: Date.now(),
        });
        const input = { args: [{ decisionId: decision.decisionId, service: decision.service }], headers };
        if (withTracing) await (traced.activity[0](env.context).inbound!.execute as Execute)(input, step);
        else await step();
      }
      if (withTracing) {
        const info = { workflowId: `scale-${decision.service}`, runId, workflowType: 'scalingDecision', taskQueue: 'bench', namespace: 'default', runStartTime: new Date() } as WorkflowInfo;
        sink(info, { carrier: {}, decision, outcome: 'committed' });
        // Export as the worker does (batches of at most a few hundred spans): the batch queue
        // holds 2,048 spans and would drop the rest, and dropped spans cost no export.
        if (d % 50 === 49) await tracing.spanProcessor.forceFlush();
      }
    }
    if (withTracing) await tracing.spanProcessor.forceFlush();
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n;
  }

  await decisions(200, true, 0);
  await decisions(200, false, 0);
  const rows: Array<{ round: number; plainUs: number; tracedUs: number }> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? [false, true] : [true, false];
    const r = { round, plainUs: 0, tracedUs: 0 };
    for (const t of order) r[t ? 'tracedUs' : 'plainUs'] = await decisions(DECISIONS, t, round);
    rows.push(r);
  }
  await tracing.shutdown();
  // Every traced decision's spans arrived (none dropped by a full batch queue).
  const traces = await jaeger.traces('kinetic-bench-tracing', { limit: 100_000 });
  const expected = ROUNDS * DECISIONS;
  // The measured rounds' decisions (ids svc-<n>-<round>-<d>, round ≥ 1; the warm-up is round 0).
  const measured = traces.filter((t) => t.spans.some((sp) => sp.tags.some((tag) => tag.key === 'kinetic.decision_id' && !/-0-\d+$/.test(String(tag.value)))));
  const complete = measured.filter((t) => t.spans.length === 2 * STEPS.length + 1).length;
  await jaeger.stop();
  const diffs = rows.map((r) => r.tracedUs - r.plainUs).sort((a, b) => a - b);
  const median = diffs[Math.floor(diffs.length / 2)];
  console.log(`command: ${commandLine(__filename)}`);
  console.log(`date: ${new Date().toISOString()}; node ${process.version}; uptime before: ${before}; after: ${uptime()}`);
  for (const r of rows) console.log(`round ${r.round}: without ${r.plainUs.toFixed(0)} µs, with ${r.tracedUs.toFixed(0)} µs CPU per decision (${STEPS.length} steps)`);
  console.log(`Jaeger received ${measured.length} traces of the ${expected} measured traced decisions, ${complete} with all ${2 * STEPS.length + 1} spans (and ${traces.length - measured.length} of the 200 warm-up ones)`);
  console.log(`tracing's own CPU per decision (median of ${ROUNDS} rounds of ${DECISIONS}): ${(median / 1000).toFixed(2)} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

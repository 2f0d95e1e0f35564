import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { DECISION_TRACE_SINK } from '../../observability/decision-trace';
import { workflowInterceptorModules } from '../../worker';

/**
 * Turning tracing on changes the workflow bundle (observability/workflow-tracing.ts: the trace
 * context header on every activity, the sink call when a run ends): every committed decision history, recorded without them, still
 * replays with them, so a fleet can switch tracing on with decisions in flight.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'histories');
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

describe('a traced worker replays decisions recorded without tracing', () => {
  it('every committed history replays with the tracing interceptors in the bundle', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(REPO_ROOT, 'workflows', 'index.ts'),
      workflowInterceptorModules: workflowInterceptorModules({ tracing: true }),
      logger: quiet,
    });
    expect(code).toContain(DECISION_TRACE_SINK);
    const histories = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ workflowId: `fixture-${f}`, history: historyFromJSON(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))) }));
    expect(histories.length).toBeGreaterThanOrEqual(24);
    const results = [];
    // The run sink is registered as on a traced worker (a replay never calls it).
    const sinkCalls: unknown[] = [];
    const sinks = { [DECISION_TRACE_SINK]: { runEnded: { fn: (...args: unknown[]) => void sinkCalls.push(args) } } };
    for await (const r of Worker.runReplayHistories({ workflowBundle: { code }, sinks }, histories)) results.push(r);
    expect(results).toHaveLength(histories.length);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error}`)).toEqual([]);
    expect(sinkCalls).toEqual([]);
  }, 180_000);
});

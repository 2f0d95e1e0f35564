import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { TestTemporal } from './temporal';

type History = temporal.api.history.v1.IHistory;

const SHAPE: Record<string, string> = {
  WORKFLOW_TASK_SCHEDULED: '[',
  WORKFLOW_TASK_STARTED: '',
  WORKFLOW_TASK_COMPLETED: ']',
  WORKFLOW_TASK_TIMED_OUT: '!timeout]',
  WORKFLOW_TASK_FAILED: '!failed]',
  UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 's',
  WORKFLOW_PROPERTIES_MODIFIED: 'm',
};

/**
 * One character per event (P patch marker, L local-activity marker, [ ] a workflow task), so a
 * replay failure in CI shows where the task boundaries fell without the whole history.
 */
export function historyShape(history: History): string {
  return (history.events ?? [])
    .map((e) => {
      const name = typeof e.eventType === 'number' ? temporal.api.enums.v1.EventType[e.eventType] : String(e.eventType);
      const type = name.replace('EVENT_TYPE_', '');
      if (type === 'MARKER_RECORDED') {
        const marker = e.markerRecordedEventAttributes?.markerName;
        return marker === 'core_patch' ? 'P' : marker === 'core_local_activity' ? 'L' : 'M';
      }
      return SHAPE[type] ?? ` ${type.toLowerCase()} `;
    })
    .join('');
}

/** The replay error of a history against today's workflow bundle, or undefined when it replays. */
export async function replayError(workflowId: string, history: History): Promise<string | undefined> {
  try {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Replays a finished decision's history against today's workflow bundle. On a failure the
 * history is saved under the OS temp dir and its shape is added to the error.
 */
export async function expectReplays(t: TestTemporal, workflowId: string, runId?: string): Promise<void> {
  const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const error = await replayError(workflowId, history);
  if (error === undefined) return;
  const dir = join(tmpdir(), 'kinetic-replay-failures');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${workflowId.replace(/[^\w.-]/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(history));
  throw new Error(`${error}\nhistory shape: ${historyShape(history)}\nhistory saved at ${file}`);
}

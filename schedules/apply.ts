import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { DEFAULT_SCHEDULE_PREFIX, desiredSchedules, DesiredSchedule, SCHEDULE_KINDS, ScheduleKind, scheduleId } from './definitions';

/** Create-or-update of the learning schedules: safe to run at every worker start and from the CLI. */

export interface ApplyOptions {
  config: LoadedConfig;
  /** Task queue the scheduled workflows run on (default: the config's). */
  taskQueue?: string;
  /** Prefix of schedule ids (default "kinetic-"); lets several deployments share a namespace. */
  idPrefix?: string;
}

export interface AppliedSchedule {
  id: string;
  kind: ScheduleKind;
  action: 'created' | 'updated';
}

function actionOf(d: DesiredSchedule, taskQueue: string, configFile: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: d.workflowType,
    workflowId: d.id,
    taskQueue,
    args: [{ trigger: `schedule:${d.id}` }],
    memo: { schedule: d.id, config: configFile },
  };
}

export async function applySchedules(client: Client, opts: ApplyOptions): Promise<AppliedSchedule[]> {
  const taskQueue = opts.taskQueue ?? opts.config.taskQueue;
  const out: AppliedSchedule[] = [];
  for (const d of desiredSchedules(opts.config.schedules, opts.idPrefix)) {
    const action = actionOf(d, taskQueue, opts.config.file);
    const policies = { overlap: d.overlap, catchupWindow: d.catchupWindowMs, pauseOnFailure: false };
    try {
      await client.schedule.create({
        scheduleId: d.id,
        spec: d.spec,
        action,
        policies,
        state: { paused: d.paused, note: d.paused ? 'paused by kinetic.yaml' : 'created by kinetic' },
      });
      out.push({ id: d.id, kind: d.kind, action: 'created' });
    } catch (e) {
      if (!(e instanceof ScheduleAlreadyRunning)) throw e;
      // Exists: replace spec, action and policies; keep an operator's pause unless the config pauses it.
      await client.schedule.getHandle(d.id).update((prev) => ({
        ...prev,
        spec: d.spec,
        action,
        policies,
        state: { ...prev.state, paused: d.paused || prev.state.paused },
      }));
      out.push({ id: d.id, kind: d.kind, action: 'updated' });
    }
  }
  return out;
}

export interface ScheduleListing {
  id: string;
  kind: ScheduleKind;
  exists: boolean;
  paused?: boolean;
  spec?: unknown;
  nextActionTimes?: Date[];
  recentActions?: Array<{ at: Date; workflowId: string }>;
  overlap?: string;
  catchupWindowMs?: number;
}

/** The learning schedules and their state (describe is strongly consistent; list() is not). */
export async function describeSchedules(client: Client, idPrefix = DEFAULT_SCHEDULE_PREFIX): Promise<ScheduleListing[]> {
  const out: ScheduleListing[] = [];
  for (const kind of SCHEDULE_KINDS) {
    const id = scheduleId(kind, idPrefix);
    try {
      const d = await client.schedule.getHandle(id).describe();
      out.push({
        id,
        kind,
        exists: true,
        paused: d.state.paused,
        spec: d.spec,
        nextActionTimes: d.info.nextActionTimes.slice(0, 3),
        recentActions: d.info.recentActions.map((a) => ({ at: a.takenAt, workflowId: a.action.workflow.workflowId })),
        overlap: d.policies.overlap,
        catchupWindowMs: d.policies.catchupWindow,
      });
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e;
      out.push({ id, kind, exists: false });
    }
  }
  return out;
}

import { ScheduleOverlapPolicy, ScheduleSpec } from '@temporalio/client';
import { schedulesSchema, SchedulesConfig } from '../config/schema';

/**
 * The periodic learning workflows as Temporal Schedules, derived from kinetic.yaml `schedules:`
 * (defaults: retrain daily 02:15 UTC, reweight hourly, budget report daily 00:30 UTC, the
 * fingerprint loop every 15 minutes).
 */

export const SCHEDULE_KINDS = ['retrain', 'reweight', 'budget-report', 'fingerprints'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

const WORKFLOW_TYPE: Record<ScheduleKind, string> = {
  retrain: 'retrainEnsemble',
  reweight: 'reweightEnsemble',
  'budget-report': 'budgetReport',
  fingerprints: 'fingerprintLoop',
};

export const DEFAULT_SCHEDULE_PREFIX = 'kinetic-';

export interface DesiredSchedule {
  id: string;
  kind: ScheduleKind;
  workflowType: string;
  spec: ScheduleSpec;
  overlap: ScheduleOverlapPolicy;
  /** Milliseconds. */
  catchupWindowMs: number;
  paused: boolean;
}

export function scheduleId(kind: ScheduleKind, prefix = DEFAULT_SCHEDULE_PREFIX): string {
  return `${prefix}${kind}`;
}

export function resolveSchedulesConfig(cfg: SchedulesConfig | undefined): SchedulesConfig {
  // A config object built before a schedule kind existed gets that kind's default.
  const defaults = schedulesSchema.parse({});
  return cfg ? { ...defaults, ...cfg } : defaults;
}

export function desiredSchedules(cfg: SchedulesConfig | undefined, prefix = DEFAULT_SCHEDULE_PREFIX): DesiredSchedule[] {
  const c = resolveSchedulesConfig(cfg);
  const entry = { retrain: c.retrain, reweight: c.reweight, 'budget-report': c.budgetReport, fingerprints: c.fingerprints } as const;
  return SCHEDULE_KINDS.map((kind) => {
    const e = entry[kind];
    const spec: ScheduleSpec = {};
    if (e.cron?.length) spec.cronExpressions = e.cron;
    if (e.every) spec.intervals = [{ every: Math.round(e.every * 1000) }];
    if (!spec.cronExpressions && !spec.intervals) throw new Error(`schedules.${kind}: give cron or every`);
    return {
      id: scheduleId(kind, prefix),
      kind,
      workflowType: WORKFLOW_TYPE[kind],
      spec,
      // A run still going when the next is due: skip (retrain/reweight are idempotent and catch up next time).
      overlap: c.overlap === 'bufferOne' ? ScheduleOverlapPolicy.BUFFER_ONE : ScheduleOverlapPolicy.SKIP,
      catchupWindowMs: Math.round(c.catchupWindow * 1000),
      paused: e.paused,
    };
  });
}

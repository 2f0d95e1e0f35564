export { applySchedules, describeSchedules, type AppliedSchedule, type ScheduleListing } from './apply';
export { DEFAULT_SCHEDULE_PREFIX, desiredSchedules, SCHEDULE_KINDS, scheduleId, type ScheduleKind } from './definitions';
export { applySchedulesOnWorkerStart } from './startup';

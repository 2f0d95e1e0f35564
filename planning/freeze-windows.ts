/**
 * Freeze windows: cron-like schedules (UTC) that open a window of `durationSeconds` at every match.
 * A window is active at `now` when it started at a cron match within the last durationSeconds.
 *
 * Cron: five fields, minute hour day-of-month month day-of-week, each `*`, a number, a list `1,2`,
 * a range `1-5`, a step `*\/15` or `10-50/10`; months JAN..DEC and days SUN..SAT by name, and
 * day-of-week 7 is Sunday too. As in Vixie cron, when both day fields are restricted a day matches
 * if either does ("the 1st, or any Monday").
 */

export interface FreezeWindow {
  id: string;
  cron: string;
  durationSeconds: number;
  blocks: 'all' | 'scale-in' | 'scale-out';
  reason?: string;
}

export interface CronSchedule {
  minutes: boolean[];
  hours: boolean[];
  /** Index 1..31. */
  daysOfMonth: boolean[];
  /** Index 1..12. */
  months: boolean[];
  /** Index 0..6, Sunday = 0. */
  daysOfWeek: boolean[];
  domRestricted: boolean;
  dowRestricted: boolean;
}

export interface ActiveWindow {
  window: FreezeWindow;
  /** Epoch ms of the cron match that opened the window. */
  start: number;
  /** Epoch ms when the window closes (exclusive). */
  end: number;
}

const CRON_SYNTAX =
  'use five fields "minute hour day-of-month month day-of-week" (UTC), each *, a number, a list (1,2), a range (1-5) or a step (*/15, 10-50/10); months JAN..DEC and days SUN..SAT may be named';

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Names map to min + index. */
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 7 is accepted as Sunday and folded onto 0 below.
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

function fieldError(expr: string, spec: FieldSpec, part: string, why: string): Error {
  const range = spec.names
    ? `${spec.min}-${spec.max} or ${spec.names[0]}..${spec.names[spec.names.length - 1]}`
    : `${spec.min}-${spec.max}`;
  return new Error(`cron "${expr}": ${spec.name} field "${part}" ${why} (values ${range}); ${CRON_SYNTAX}`);
}

function parseValue(expr: string, spec: FieldSpec, part: string, token: string): number {
  const upper = token.toUpperCase();
  if (spec.names) {
    const i = spec.names.indexOf(upper);
    if (i >= 0) return spec.min + i;
  }
  if (!/^\d+$/.test(token)) throw fieldError(expr, spec, part, `has an unknown value "${token}"`);
  const v = Number(token);
  if (v < spec.min || v > spec.max) throw fieldError(expr, spec, part, `has ${v} out of range`);
  return v;
}

function parseField(expr: string, spec: FieldSpec, text: string): { set: boolean[]; restricted: boolean } {
  const set = new Array<boolean>(spec.max + 1).fill(false);
  for (const part of text.split(',')) {
    if (part === '') throw fieldError(expr, spec, text, 'has an empty list item');
    const [rangeText, stepText, extra] = part.split('/');
    if (extra !== undefined) throw fieldError(expr, spec, part, 'has more than one "/"');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw fieldError(expr, spec, part, `has a bad step "${stepText}"`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if (rangeText.includes('-')) {
      const [a, b, more] = rangeText.split('-');
      if (more !== undefined || a === '' || b === '') throw fieldError(expr, spec, part, 'has a malformed range');
      lo = parseValue(expr, spec, part, a);
      hi = parseValue(expr, spec, part, b);
      if (lo > hi) throw fieldError(expr, spec, part, `has a range that runs backwards (${lo} > ${hi})`);
    } else {
      lo = parseValue(expr, spec, part, rangeText);
      // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
      hi = stepText !== undefined ? spec.max : lo;
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return { set, restricted: text !== '*' };
}

/** Parses a five-field cron expression; throws an error naming the bad field and the accepted syntax. */
export function parseCron(expr: string): CronSchedule {
  if (typeof expr !== 'string') throw new Error(`cron must be a string; ${CRON_SYNTAX}`);
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') {
    throw new Error(`cron "${expr}" has ${parts[0] === '' ? 0 : parts.length} fields; ${CRON_SYNTAX}`);
  }
  const [mi, h, dom, mo, dow] = parts.map((p, i) => parseField(expr, FIELDS[i], p));
  const daysOfWeek = dow.set.slice(0, 7);
  if (dow.set[7]) daysOfWeek[0] = true;
  return {
    minutes: mi.set,
    hours: h.set,
    daysOfMonth: dom.set,
    months: mo.set,
    daysOfWeek,
    domRestricted: dom.restricted,
    dowRestricted: dow.restricted,
  };
}

// Windows are evaluated on every decision; the expressions rarely change, so parse each once.
const cache = new Map<string, CronSchedule>();
function schedule(expr: string): CronSchedule {
  let s = cache.get(expr);
  if (!s) {
    s = parseCron(expr);
    if (cache.size > 1000) cache.clear();
    cache.set(expr, s);
  }
  return s;
}

function dayMatches(s: CronSchedule, day: Date): boolean {
  if (!s.months[day.getUTCMonth() + 1]) return false;
  const dom = s.daysOfMonth[day.getUTCDate()];
  const dow = s.daysOfWeek[day.getUTCDay()];
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The latest cron match at or before `at` and not before `notBefore`, or undefined. Walks back day
 * by day, then hour by hour and minute by minute only inside a matching day, so the cost is about
 * (days in range + 24 + 60) steps rather than one step per minute.
 */
export function latestMatch(s: CronSchedule, at: number, notBefore: number): number | undefined {
  const atMinute = Math.floor(at / MINUTE) * MINUTE;
  const today = Math.floor(atMinute / DAY) * DAY;
  for (let day = today; day + DAY > notBefore; day -= DAY) {
    if (!dayMatches(s, new Date(day))) continue;
    const lastHour = day === today ? new Date(atMinute).getUTCHours() : 23;
    for (let h = lastHour; h >= 0; h--) {
      if (!s.hours[h]) continue;
      const lastMinute = day === today && h === lastHour ? new Date(atMinute).getUTCMinutes() : 59;
      for (let m = lastMinute; m >= 0; m--) {
        if (!s.minutes[m]) continue;
        const t = day + h * 3_600_000 + m * MINUTE;
        return t >= notBefore ? t : undefined;
      }
    }
  }
  return undefined;
}

function validateWindow(w: FreezeWindow): void {
  if (!w || typeof w.id !== 'string' || w.id === '') throw new Error('freeze window needs a non-empty id');
  if (!Number.isFinite(w.durationSeconds) || w.durationSeconds <= 0) {
    throw new RangeError(`freeze window "${w.id}": durationSeconds must be a number > 0, got ${w.durationSeconds}`);
  }
  if (!['all', 'scale-in', 'scale-out'].includes(w.blocks)) {
    throw new Error(`freeze window "${w.id}": blocks must be 'all', 'scale-in' or 'scale-out', got '${w.blocks}'`);
  }
  try {
    schedule(w.cron);
  } catch (e) {
    throw new Error(`freeze window "${w.id}": ${(e as Error).message}`);
  }
}

/** Throws on the first invalid window (bad cron, duration or blocks), naming the window. */
export function validateFreezeWindows(windows: readonly FreezeWindow[]): void {
  const seen = new Set<string>();
  for (const w of windows) {
    validateWindow(w);
    if (seen.has(w.id)) throw new Error(`freeze window id "${w.id}" is used twice; ids must be unique`);
    seen.add(w.id);
  }
}

/** Every window active at `now` (epoch ms), in the order given, with the match that opened it. */
export function activeWindows(windows: readonly FreezeWindow[], now: number): ActiveWindow[] {
  const active: ActiveWindow[] = [];
  for (const w of windows) {
    validateWindow(w);
    const duration = w.durationSeconds * 1000;
    // A match exactly `duration` ago has just closed: the window is [start, start + duration).
    const start = latestMatch(schedule(w.cron), now, now - duration + 1);
    if (start !== undefined) active.push({ window: w, start, end: start + duration });
  }
  return active;
}

/** The first window (in the order given) active at `now`, or undefined. */
export function activeWindow(windows: readonly FreezeWindow[], now: number): ActiveWindow | undefined {
  return activeWindows(windows, now)[0];
}

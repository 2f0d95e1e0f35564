import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeWindow, activeWindows, FreezeWindow, latestMatch, parseCron } from '../../planning/freeze-windows';

const t = (iso: string) => Date.parse(iso);
const set = (flags: boolean[]) => flags.flatMap((on, i) => (on ? [i] : []));

describe('parseCron', () => {
  it('accepts *, lists, ranges, steps and names', () => {
    const s = parseCron('*/15 9-17/4 1,15 JAN-mar MON-FRI');
    expect(set(s.minutes)).toEqual([0, 15, 30, 45]);
    expect(set(s.hours)).toEqual([9, 13, 17]);
    expect(set(s.daysOfMonth)).toEqual([1, 15]);
    expect(set(s.months)).toEqual([1, 2, 3]);
    expect(set(s.daysOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(set(parseCron('0 0 * * 7').daysOfWeek)).toEqual([0]);
    expect(set(parseCron('5/20 * * * *').minutes)).toEqual([5, 25, 45]);
  });

  it('names the bad field and the accepted syntax', () => {
    expect(() => parseCron('0 0 * * FUNDAY')).toThrow(/day-of-week field "FUNDAY" has an unknown value "FUNDAY" \(values 0-7 or SUN..SAT\); use five fields/);
    expect(() => parseCron('61 * * * *')).toThrow(/minute field "61" has 61 out of range \(values 0-59\)/);
    expect(() => parseCron('0 25 * * *')).toThrow(/hour field "25"/);
    expect(() => parseCron('0 0 0 * *')).toThrow(/day-of-month field "0"/);
    expect(() => parseCron('0 0 * 13 *')).toThrow(/month field "13"/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/minute field "\*\/0" has a bad step "0"/);
    expect(() => parseCron('0 5-1 * * *')).toThrow(/hour field "5-1" has a range that runs backwards/);
    expect(() => parseCron('0 0 * *')).toThrow(/has 4 fields; use five fields "minute hour day-of-month month day-of-week"/);
    expect(() => parseCron('0 0 1,,2 * *')).toThrow(/day-of-month field "1,,2" has an empty list item/);
  });
});

describe('activeWindow', () => {
  // 2026-11-21 is a Saturday.
  const weekend: FreezeWindow = { id: 'weekend', cron: '0 0 * * SAT', durationSeconds: 48 * 3600, blocks: 'all', reason: 'no changes on weekends' };

  it('a weekend window covers Saturday 00:00 up to, not including, Monday 00:00', () => {
    expect(activeWindow([weekend], t('2026-11-20T23:59:59Z'))).toBeUndefined();
    expect(activeWindow([weekend], t('2026-11-21T00:00:00Z'))).toEqual({
      window: weekend, start: t('2026-11-21T00:00:00Z'), end: t('2026-11-23T00:00:00Z'),
    });
    expect(activeWindow([weekend], t('2026-11-22T23:59:59Z'))?.start).toBe(t('2026-11-21T00:00:00Z'));
    expect(activeWindow([weekend], t('2026-11-23T00:00:00Z'))).toBeUndefined();
    expect(activeWindow([weekend], t('2026-11-25T12:00:00Z'))).toBeUndefined();
  });

  it('a window opened at the end of a month or year stays active across the rollover', () => {
    const monthEnd: FreezeWindow = { id: 'month-end', cron: '0 22 31 * *', durationSeconds: 6 * 3600, blocks: 'scale-in' };
    expect(activeWindow([monthEnd], t('2026-11-01T02:00:00Z'))?.start).toBe(t('2026-10-31T22:00:00Z'));
    expect(activeWindow([monthEnd], t('2026-11-01T04:00:00Z'))).toBeUndefined();
    // November has no 31st: no window opens on 2026-12-01.
    expect(activeWindow([monthEnd], t('2026-12-01T01:00:00Z'))).toBeUndefined();
    const newYear: FreezeWindow = { id: 'new-year', cron: '30 23 31 DEC *', durationSeconds: 2 * 3600, blocks: 'all' };
    expect(activeWindow([newYear], t('2027-01-01T01:00:00Z'))).toMatchObject({ start: t('2026-12-31T23:30:00Z'), end: t('2027-01-01T01:30:00Z') });
  });

  it('when both day fields are restricted, either one matches (as in cron)', () => {
    const w: FreezeWindow = { id: 'w', cron: '0 12 1 * MON', durationSeconds: 3600, blocks: 'all' };
    expect(activeWindow([w], t('2026-11-01T12:30:00Z'))).toBeDefined(); // the 1st, a Sunday
    expect(activeWindow([w], t('2026-11-23T12:30:00Z'))).toBeDefined(); // a Monday
    expect(activeWindow([w], t('2026-11-24T12:30:00Z'))).toBeUndefined();
  });

  it('returns every active window in the order given, and names a bad window', () => {
    const a: FreezeWindow = { id: 'a', cron: '0 * * * *', durationSeconds: 3600, blocks: 'scale-in' };
    const b: FreezeWindow = { id: 'b', cron: '0 0 * * *', durationSeconds: 86400, blocks: 'scale-out' };
    expect(activeWindows([b, a], t('2026-11-22T10:10:00Z')).map((x) => x.window.id)).toEqual(['b', 'a']);
    expect(() => activeWindow([{ ...a, cron: '0 0 * * NOPE' }], 0)).toThrow(/freeze window "a": cron "0 0 \* \* NOPE": day-of-week field/);
    expect(() => activeWindow([{ ...a, durationSeconds: 0 }], 0)).toThrow(/freeze window "a": durationSeconds must be a number > 0/);
  });

  it('finds the same latest match as a minute-by-minute scan', () => {
    const crons = ['*/7 3-5 * * *', '0 0 * * SAT,SUN', '15 10 1-3 * MON', '0 */6 29 2 *', '59 23 L 1 *'.replace('L', '31')];
    const day = 86_400_000;
    fc.assert(
      fc.property(fc.constantFrom(...crons), fc.integer({ min: t('2024-01-01T00:00:00Z'), max: t('2028-12-31T00:00:00Z') }), (cron, now) => {
        const s = parseCron(cron);
        const from = now - 3 * day;
        let expected: number | undefined;
        for (let m = Math.floor(now / 60_000) * 60_000; m >= from; m -= 60_000) {
          const d = new Date(m);
          const domOk = s.daysOfMonth[d.getUTCDate()];
          const dowOk = s.daysOfWeek[d.getUTCDay()];
          const dayOk = s.domRestricted && s.dowRestricted ? domOk || dowOk : domOk && dowOk;
          if (s.minutes[d.getUTCMinutes()] && s.hours[d.getUTCHours()] && s.months[d.getUTCMonth() + 1] && dayOk) {
            expected = m;
            break;
          }
        }
        expect(latestMatch(s, now, from)).toBe(expected);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('costs well under a millisecond for a week-long window of a rare schedule', () => {
    const windows: FreezeWindow[] = [
      { id: 'week', cron: '0 0 1 1 *', durationSeconds: 7 * 86400, blocks: 'all' },
      { id: 'year', cron: '0 0 29 2 *', durationSeconds: 366 * 86400, blocks: 'all' },
    ];
    const now = t('2026-11-22T10:00:00Z');
    activeWindows(windows, now); // parse once
    const runs = 2000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) activeWindows(windows, now + i * 60_000);
    const perCall = (performance.now() - started) / runs;
    // Loose bound for a shared 2-core box; the measured figure is far below it.
    expect(perCall).toBeLessThan(1);
  });
});

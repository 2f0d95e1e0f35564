import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/tools';

/**
 * The demo's load: one day of NYC taxi demand (NAB, 30-minute steps; see demo/DATA.md), scaled so
 * that the evening peak needs several instances and the night needs the minimum.
 */
export function demoLoadRps(peakRps: number, floorRps: number): number[] {
  const lines = readFileSync(join(REPO_ROOT, 'demo', 'nyc-taxi-3weeks.csv'), 'utf8').trim().split('\n').slice(1);
  // 2014-07-08 (a Tuesday) 03:00 → 2014-07-09 03:00: from the night low through the evening peak and back.
  const start = lines.findIndex((l) => l.startsWith('2014-07-08 03:00'));
  const day = lines.slice(start, start + 48).map((l) => Number(l.split(',')[1]));
  const lo = Math.min(...day);
  const hi = Math.max(...day);
  return day.map((v) => floorRps + ((v - lo) / (hi - lo)) * (peakRps - floorRps));
}

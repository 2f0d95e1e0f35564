/**
 * Daily and weekly periods in steps for a known step length, keeping only those the history can
 * support (two full cycles), shortest first as models/contract FitOptions expects.
 */
export function seasonsFor(stepSeconds: number | undefined, historyLength: number): number[] {
  if (!stepSeconds || stepSeconds <= 0) return [];
  const out: number[] = [];
  for (const period of [86_400, 604_800]) {
    const steps = period / stepSeconds;
    if (Number.isInteger(steps) && steps >= 2 && historyLength >= 2 * steps) out.push(steps);
  }
  return out;
}

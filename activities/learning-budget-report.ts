import { join } from 'node:path';
import { projectedMonthlyCost } from '../planning/budget';
import { writeJsonAtomic } from '../store/json-file';
import type { ActivityDeps } from './deps';

/** A day's spend summary per budget pool, from the budget ledger (the full budget engine is another issue). */
export interface BudgetReport {
  date: string;
  file: string;
  pools: Record<string, { limit: number; committedMonthly: number; reservedMonthly: number; services: string[]; utilisation: number }>;
}

export function budgetReportActivities(deps: ActivityDeps) {
  return {
    /** Writes `<stateRoot>/ledger/budget-report-<date>.json`; rewriting the same day is harmless. */
    async writeBudgetReport(input: { at: string }): Promise<BudgetReport> {
      const cfg = deps.config();
      const snap = deps.budget().snapshot();
      const date = input.at.slice(0, 10);
      const pools: BudgetReport['pools'] = {};
      for (const [name, svc] of Object.entries(cfg.services)) {
        const pool = svc.budget.pool ?? name;
        const p = (pools[pool] ??= { limit: svc.budget.monthly, committedMonthly: 0, reservedMonthly: 0, services: [], utilisation: 0 });
        p.services.push(name);
        p.limit = Math.min(p.limit, svc.budget.monthly);
        // A service never decided yet runs at its initial size at the configured price.
        p.committedMonthly += snap.committed[name]?.monthly ?? projectedMonthlyCost(svc.minInstances, svc.pricing.hourlyPerInstance);
      }
      for (const r of Object.values(snap.reservations)) if (pools[r.pool]) pools[r.pool].reservedMonthly += r.monthly;
      for (const p of Object.values(pools)) p.utilisation = p.limit > 0 ? (p.committedMonthly + p.reservedMonthly) / p.limit : 0;
      const file = join(cfg.stateRoot, 'ledger', `budget-report-${date}.json`);
      writeJsonAtomic(file, { date, generatedAt: input.at, pools });
      return { date, file, pools };
    },
  };
}

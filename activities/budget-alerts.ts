import type { BudgetLedger, FiredAlert } from '../store/budget-ledger';

/** How long one webhook delivery may take; a slow receiver must not hold up a decision. */
const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * Logs each newly fired budget alert and POSTs it to the configured webhook. The alert is already
 * recorded (so it never fires twice); a failed delivery is noted on it, not retried.
 */
export async function deliverBudgetAlerts(alerts: FiredAlert[], webhook: string | undefined, ledger: BudgetLedger): Promise<void> {
  for (const a of alerts) {
    console.warn(`[kinetic] budget alert: ${a.message}`);
    if (!webhook) continue;
    try {
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'kinetic.budget-alert', ...a }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      ledger.markAlertDelivery(a.key, { ok: res.ok, detail: `HTTP ${res.status}` });
    } catch (e) {
      ledger.markAlertDelivery(a.key, { ok: false, detail: (e as Error).message });
    }
  }
}

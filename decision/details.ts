/**
 * What the Temporal Web UI shows for a decision: a one-line summary and the workflow's current
 * details (Markdown), written by the workflow itself so decisions started by any client explain
 * alike. Import-free (types only): it runs inside the workflow bundle.
 */
import type { DecisionRecord } from './record';

/** One line naming the decision: the client's `staticSummary`, and the details' heading. */
export function decisionSummary(service: string, decisionId: string): string {
  return `Scaling decision ${decisionId} for service ${service}`;
}

/** The current details: stage, plan, what the decision waits for, and how it ended. */
export function decisionDetails(record: DecisionRecord): string {
  const lines = [`**${decisionSummary(record.service, record.id)}**`, '', `- trigger: ${record.trigger?.kind ?? 'unknown'}${record.trigger?.by ? ` by ${record.trigger.by}` : ''}${record.dryRun ? ' (dry run)' : ''}`];
  lines.push(`- stage: ${record.stage}`);
  if (record.plan) lines.push(`- plan: ${record.plan.from} → ${record.plan.to} instances (${record.plan.direction})`);
  if (record.stage === 'approval' && record.approval?.mode === 'manual' && !record.approval.decision) {
    lines.push(`- waiting for approval: ${record.approval.reasons.join('; ')}`);
    lines.push(`- answer with \`kinetic approve ${record.id}\` / \`kinetic reject ${record.id} --reason TEXT\`, or the \`approve\` / \`reject\` Update`);
  }
  if (record.stage === 'needs-operator') lines.push(`- needs an operator: fix the fleet, then \`kinetic resolve ${record.id}\``);
  if (record.outcome) lines.push(`- outcome: ${record.outcome}${record.reason ? ` — ${record.reason}` : ''}`);
  return lines.join('\n');
}

import type { ApprovalAttempt } from '../decision/approval-attempts';
import type { PlanSummary } from '../decision/plan';
import type { DecisionRecord } from '../decision/record';

/** A decision in plain words: what was forecast, what was planned, each verdict and why. */
export function explainDecision(r: DecisionRecord): string {
  const lines: string[] = [];
  const when = r.finishedAt ? `${r.startedAt} → ${r.finishedAt}` : `started ${r.startedAt}, now at "${r.stage}"`;
  lines.push(`Decision ${r.id} for service "${r.service}" (${when})`);
  lines.push(`Triggered by ${r.trigger.kind}${r.trigger.by ? ` (${r.trigger.by})` : ''}${r.dryRun ? ' as a dry run' : ''}.`);
  lines.push(`Outcome: ${r.outcome ?? 'still running'}${r.reason ? ` — ${r.reason}` : ''}`);
  if (r.requester) lines.push(`Requested by ${r.requester.identity} (${r.requester.verified ? 'verified token' : 'unverified'}; roles: ${r.requester.roles.join(', ') || 'none'}).`);
  lines.push('');
  if (r.forecast?.mode === 'fallback' && r.forecast.fallback) {
    const fb = r.forecast.fallback;
    lines.push(`1. Forecast: FALLBACK — ${fb.failures} failed forecast(s) in a row (fallback.failureThreshold ${fb.failureThreshold}); this one: ${fb.error}`);
    lines.push(`   rule: current capacity ${fb.current} + fallback.step ${fb.step}, capped at maxInstances, scale out only → ${fb.target}`);
  } else if (r.forecast) {
    const f = r.forecast;
    lines.push(
      `1. Forecast: ${f.historyPoints} points of ${f.metric} (every ${f.stepSeconds}s, last ${f.lastObserved.toFixed(2)}), model ${f.model}.` +
        ` For steps ${f.fromStep}–${f.toStep - 1} ahead the peak is P50 ${f.peakP50.toFixed(2)}, P90 ${f.peakP90.toFixed(2)}, P99 ${f.peakP99.toFixed(2)}` +
        `${f.coldStart ? ' (cold start: little history, wide interval)' : ''}.`,
    );
    if (f.models?.length) {
      const used = f.models.map((m) => `${m.model} ${m.version}${m.dataEnd ? ` (data to ${m.dataEnd})` : ''} weight ${m.weight.toFixed(2)}`);
      lines.push(`   models: ${used.join('; ')}; weights version ${f.weightsVersion ?? 0}${f.predictionId ? `; prediction ${f.predictionId} is what reweighting scores` : ''}`);
    }
    if (f.planned) {
      const p = f.planned;
      lines.push(
        `   planned demand ${p.demand.toFixed(2)}: P${Number((100 * p.quantile).toFixed(1))} of the window peak ${p.upper.toFixed(2)} (forecast peak ${p.peak.toFixed(2)}, ${p.rule === 'forecast' ? 'buffer from forecast residuals' : 'buffer by the calibrated reactive rule'}, ` +
          `calibrated on ${p.calibratedOn} realised peaks${p.capped ? ', capped at the week\'s largest demand' : ''})${p.bound === 'observed' ? '; the newest observed demand is higher and sets the plan' : ''}.`,
      );
    }
    for (const [d, x] of Object.entries(f.dimensions ?? {})) {
      lines.push(`   ${d} (from ${x.metric}, ${x.historyPoints} points, ${x.model}): peak P50 ${x.peakP50.toFixed(2)}, P90 ${x.peakP90.toFixed(2)}, P99 ${x.peakP99.toFixed(2)}`);
    }
    for (const [r, x] of Object.entries(f.regions ?? {})) {
      lines.push(`   region ${r} (from ${x.metric}, ${x.historyPoints} points): peak P50 ${x.peakP50.toFixed(2)} — sets its share of the allocation`);
    }
    for (const n of f.notes) lines.push(`   note: ${n}`);
  } else lines.push('1. Forecast: not reached.');
  if (r.plan) lines.push(...explainPlan(r.plan));
  else lines.push('2. Plan: not reached.');
  if (r.policy) {
    lines.push(`3. Policy: ${r.policy.allowed ? 'allowed' : 'REJECTED'}.`);
    for (const c of r.policy.checks) lines.push(`   [${c.passed ? 'ok' : 'FAIL'}] ${c.id ?? c.rule}: ${c.message}`);
  } else lines.push('3. Policy: not reached.');
  if (r.budget) {
    const b = r.budget;
    lines.push(`4. Budget: ${b.allowed ? 'allowed' : 'REJECTED'}. ${b.message}.` + (b.reserved ? ` Reservation ${b.released ? 'held, then released' : r.outcome === 'committed' ? 'held, then committed as the run-rate' : 'held'}.` : ''));
    for (const l of b.levels ?? []) lines.push(`   [${l.allowed ? 'ok' : 'OVER'}] ${l.id}: ${l.message}`);
    for (const a of b.alerts ?? []) lines.push(`   alert: ${a}`);
    for (const a of b.approvalReasons ?? []) lines.push(`   needs approval: ${a}`);
    if (b.chargeback) {
      const c = b.chargeback;
      const sign = c.hourlyDelta >= 0 ? '+' : '';
      lines.push(`   chargeback: ${sign}${c.hourlyDelta.toFixed(3)}/h (${sign}${c.monthlyDelta.toFixed(2)}/month) to ${c.path.join(' → ')}`);
    }
  } else lines.push('4. Budget: not reached.');
  if (r.approval) {
    const a = r.approval;
    const who = a.decidedBy ? ` by ${a.decidedBy}${a.at ? ` at ${a.at}` : ''}` : '';
    lines.push(`5. Approval (${a.mode}): ${a.decision ?? 'waiting'}${who}. ${a.reasons.join('; ')}${a.comment ? ` Comment: "${a.comment}".` : ''}`);
    if ((a.required ?? 1) > 1) lines.push(`   quorum: ${a.approvedBy?.length ?? 0} of ${a.required} approvers (${a.approvedBy?.join(', ') || 'none yet'})`);
    for (const t of a.attempts ?? []) lines.push(attemptLine(t));
    if (r.recheck) lines.push(`   Re-checked before applying: ${r.recheck.ok ? `still fits (fleet ${r.recheck.fleetTotal}, plan ${r.recheck.ageSeconds}s old)` : `no longer fits: ${r.recheck.reasons.join('; ')}`}.`);
  } else lines.push('5. Approval: not reached.');
  for (const t of r.answerAttempts ?? []) lines.push(attemptLine(t));
  if (r.provisioning) {
    const p = r.provisioning;
    lines.push(`6. Provisioning via ${p.provisioner}: ${p.summary}${p.changed ? '' : ' (no change made)'}.`);
  } else lines.push('6. Provisioning: not reached.');
  if (r.verification) {
    const v = r.verification;
    lines.push(`7. Verification: ${v.ok ? 'passed' : 'FAILED'} (${v.healthy}/${v.expected} healthy)${v.reasons.length ? `: ${v.reasons.join('; ')}` : ''}.`);
  } else lines.push('7. Verification: not reached.');
  if (r.compensation.length) {
    lines.push('8. Compensation (newest step first):');
    for (const c of r.compensation) lines.push(`   [${c.ok ? 'ok' : 'FAIL'}] ${c.step}: ${c.message}`);
  } else lines.push(`8. Compensation: ${r.outcome === 'committed' ? 'not needed' : 'none'}.`);
  if (r.operatorAlert) lines.push(`   Operator alert: ${r.operatorAlert.ok ? 'sent' : 'NOT delivered'} (${r.operatorAlert.detail}; key ${r.operatorAlert.idempotencyKey}).`);
  if (r.resolution) lines.push(`   Resolution: ${r.resolution.message}${r.resolution.comment ? ` (${r.resolution.comment})` : ''}, ${r.resolution.at}.`);
  else if (r.stage === 'needs-operator') lines.push(`   Waiting for an operator: fix the fleet, then kinetic resolve ${r.id} (--as <approver> with auth: { mode: unverified }).`);
  if (r.error) lines.push(`Error: ${r.error}`);
  return lines.join('\n');
}

/** Plan in plain words: need per compute type, buffer, allocation per tier, cost, hysteresis, stages. */
function explainPlan(p: PlanSummary): string[] {
  const lines = [`2. Plan: ${p.from} → ${p.to} instances (${p.direction === 'none' ? 'no change' : `scale-${p.direction}`}). ${p.reason}.`];
  for (const n of p.needs ?? []) {
    lines.push(`   need as ${n.computeType}: ${n.needed} instances (P50 alone ${n.p50Instances.toFixed(2)}, buffer +${(n.bufferPct * 100).toFixed(0)}%) — ${n.explanation}`);
  }
  if (p.allocation) {
    const a = p.allocation;
    const interruptions = a.expectedInterruptionsPerHour ? `, ~${(a.expectedInterruptionsPerHour * 730.5).toFixed(1)} spot interruptions expected a month` : '';
    lines.push(`   allocation ${a.status}, spot share ${(a.spotShare * 100).toFixed(0)}%${interruptions}:`);
    for (const why of a.reasons) lines.push(`     - ${why}`);
  }
  const pools = new Map((p.allocation?.pools ?? []).map((x) => [x.poolId, x]));
  for (const [tier, t] of Object.entries(p.tiers)) {
    if (t.from === 0 && t.to === 0) continue;
    const pool = pools.get(tier);
    const types = pool ? Object.entries(pool.byInstanceType).filter(([, n]) => n > 0).map(([k, n]) => `${k}×${n}`).join(', ') : '';
    lines.push(`   tier ${tier}: ${t.from} → ${t.to}${pool ? ` (${pool.hourlyCost.toFixed(3)}/h${types ? `; ${types}` : ''})` : ''}`);
  }
  lines.push(`   cost: ${p.hourlyCostBefore.toFixed(2)}/h → ${p.hourlyCostAfter.toFixed(2)}/h`);
  if (p.hysteresis?.held) lines.push(`   hysteresis: ${p.hysteresis.reason}`);
  if (p.staged) lines.push(`   staged scale-in: ${p.staged.message} (planned ${p.staged.plannedTo}; ${p.staged.remaining} more to remove after ${p.staged.observationSeconds}s of observation)`);
  if (p.vertical) lines.push(`   vertical: ${p.vertical.summary}; rollback template v${p.vertical.rollbackVersion}`);
  else if (p.templateVersion !== undefined) lines.push(`   template: v${p.templateVersion}`);
  return lines;
}

/** One row per decision for `kinetic status` and the demo summary. */
export function decisionRow(r: DecisionRecord): string[] {
  return [r.id, r.service, r.plan?.direction ?? '-', r.outcome ?? r.stage, r.plan ? `${r.plan.from}` : '-', r.plan ? `${r.plan.to}` : '-', r.approval?.decidedBy ?? '-'];
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function attemptLine(t: ApprovalAttempt): string {
  const who = t.identity ?? (t.claimed ? `someone claiming ${t.claimed}` : 'someone without a token');
  return `   attempt ${t.at}: ${t.action} by ${who}${t.verified ? ' (verified)' : ''} — ${t.accepted ? 'accepted' : `REFUSED (${t.reason}): ${t.message}`}`;
}

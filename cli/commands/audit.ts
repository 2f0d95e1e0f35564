import { loadConfig } from '../../config/load';
import { createAuditLog, type VerifyReport } from '../../store/audit';
import { closePostgresPools } from '../../store/postgres';
import { CONFIG_FLAG, parseFlags } from '../args';
import { CliCommand, UserError } from '../command';

export const command: CliCommand = {
  name: 'audit',
  summary: 'verify the audit log: walk its hash chain and name the first broken or missing link',
  usage: `Usage: kinetic audit verify [--json] [--config FILE]

Walks the audit log that state.audit names (<stateDir>/ledger/decisions.jsonl, or the Postgres
table <state.postgres.schema>.audit_log) from the first record to the newest: each record's seq
must follow the one before, its prevHash must be the previous record's hash, and its hash must be
sha256(prevHash + canonical JSON of { record, seq }). Names the first broken or missing link: a
changed record (tampered), a deleted one (missing), reordered ones, an unreadable line, a record
without chain fields after the chain started (unchained), a decision recorded twice (duplicate).
Records written before the chain existed (plain JSON lines of older versions) count as the chain's
first links; verify vouches for them once a chained record follows them.

Exit 0 when the chain is whole, 1 when it is broken. --json prints the report:
{ ok, sink, location, records, chained, legacy, unanchoredLegacy, head: { seq, hash },
  firstBreak?: { kind, where, expectedSeq, seq, decisionId, message }, tornTail? }`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { ...CONFIG_FLAG, json: { type: 'boolean' } }, 'audit');
    if (positionals[0] !== 'verify') throw new UserError(`kinetic audit: unknown action "${positionals[0] ?? ''}"; use: kinetic audit verify [--json]`);
    const cfg = loadConfig(values.config as string | undefined);
    try {
      const report = await createAuditLog(cfg.state, cfg.stateRoot).verify();
      console.log(values.json ? JSON.stringify(report) : describeReport(report));
      return report.ok ? 0 : 1;
    } finally {
      await closePostgresPools();
    }
  },
};

export function describeReport(r: VerifyReport): string {
  const where = `${r.sink} ${r.location}`;
  const counts = `${r.records} record(s)${r.legacy ? ` (${r.legacy} written before the chain${r.unanchoredLegacy ? `, ${r.unanchoredLegacy} not yet anchored by a chained record` : ''})` : ''}`;
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`audit log OK: ${counts} in ${where}`);
    if (r.head) lines.push(`head: seq ${r.head.seq}, hash ${r.head.hash}`);
  } else {
    const b = r.firstBreak!;
    lines.push(`audit log BROKEN (${b.kind}) in ${where}`);
    lines.push(b.message);
    lines.push(`records before ${b.where} verify; nothing after it is vouched for.`);
  }
  if (r.tornTail) lines.push(`note: a torn last line (${r.tornTail.length} bytes, a crash mid-append, never acknowledged) is moved aside by the next append`);
  return lines.join('\n');
}

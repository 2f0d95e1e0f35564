import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MinuteSummary } from '../fingerprints/summary';

/**
 * Minute summaries on files: one JSON line per member per minute in
 * `<dir>/<service>/<member>.jsonl` (append-only, so a crash loses at most the line being written).
 * The multi-host store of the authority issue does not exist on this branch; this is the
 * single-host store the issue allows until it does.
 */
export class FileSummaryStore {
  constructor(readonly dir: string) {}

  private file(service: string, member: string): string {
    const safe = (s: string, field: string) => {
      if (!/^[A-Za-z0-9._-]+$/.test(s)) throw new RangeError(`${field} "${s}" may hold only letters, digits, ".", "_" and "-" (it names a file)`);
      return s;
    };
    return join(this.dir, safe(service || 'default', 'service'), `${safe(member, 'member')}.jsonl`);
  }

  append(summary: MinuteSummary): void {
    const file = this.file(summary.service, summary.member);
    mkdirSync(join(file, '..'), { recursive: true });
    appendFileSync(file, `${JSON.stringify(summary)}\n`);
  }

  read(service: string, member: string): MinuteSummary[] {
    const file = this.file(service, member);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MinuteSummary);
  }

  /** Members with a summary file for `service`. */
  members(service: string): string[] {
    const dir = join(this.dir, service || 'default');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length)).sort();
  }

  /** The newest `limit` summaries of every member of `service`, oldest first. */
  recent(service: string, limit: number): Record<string, MinuteSummary[]> {
    return Object.fromEntries(this.members(service).map((m) => [m, this.read(service, m).slice(-limit)]));
  }
}

import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DecisionRecord } from '../decision/record';
import { withFileLock } from './file-lock';

/**
 * The audit ledger: one JSON line per finished decision. Appending is idempotent by decision id,
 * so an activity retry never writes a second line.
 */
const parsed = new Map<string, { key: string; records: DecisionRecord[] }>();

export class DecisionLedger {
  readonly file: string;
  constructor(stateRoot: string) {
    this.file = join(stateRoot, 'ledger', 'decisions.jsonl');
  }

  /** Appends the record unless one with the same id exists; returns true when it wrote. */
  append(record: DecisionRecord): boolean {
    mkdirSync(dirname(this.file), { recursive: true });
    return withFileLock(`${this.file}.lock`, () => {
      if (this.find(record.id)) return false;
      appendFileSync(this.file, JSON.stringify(record) + '\n');
      return true;
    });
  }

  all(): DecisionRecord[] {
    if (!existsSync(this.file)) return [];
    // Parsed once per file version: activities read the ledger on every decision.
    const st = statSync(this.file);
    const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = parsed.get(this.file);
    if (hit && hit.key === key) return hit.records;
    const out: DecisionRecord[] = [];
    readFileSync(this.file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        try {
          out.push(JSON.parse(line) as DecisionRecord);
        } catch {
          // A torn last line (crash mid-write) must not hide every other record.
          process.emitWarning(`${this.file}:${i + 1}: unreadable ledger line skipped`);
        }
      });
    parsed.set(this.file, { key, records: out });
    return out;
  }

  find(id: string): DecisionRecord | undefined {
    return this.all().find((r) => r.id === id);
  }

  forService(service: string): DecisionRecord[] {
    return this.all().filter((r) => r.service === service);
  }
}

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DecisionRecord } from '../../decision/record';
import { withFileLock } from '../file-lock';
import { AuditEntry, chainHash, GENESIS, linkLegacy, StoredItem, verifyChain, VerifyReport } from './chain';
import type { AppendResult, AuditLog } from './contract';

/**
 * The file sink (`state.audit: file`, the single-host default): `<stateDir>/ledger/decisions.jsonl`,
 * one line per record, `{"seq":N,"prevHash":"…","hash":"…","record":{…}}`. Appends run under the
 * cross-process file lock, are fsynced before they count, and first repair a torn tail (a crash
 * mid-append): the fragment is moved to `decisions.jsonl.torn-<time>` and the file cut back to its
 * last complete line, so the next record is never glued to it. Plain record lines written by
 * earlier versions stay readable and are linked into the chain (see `linkLegacy`).
 */

interface Parsed {
  items: StoredItem[];
  /** Byte length up to and including the last newline. */
  complete: number;
  /** Lines before `complete` (numbers the lines an extension reads). */
  lineCount: number;
  /** The unterminated last line, when it is not a whole record. */
  tornTail?: string;
  /** The last line is a whole record that only lacks its newline. */
  missingNewline: boolean;
  records: DecisionRecord[];
  byId: Map<string, AuditEntry>;
  head: { seq: number; hash: string };
}

const cache = new Map<string, { key: string; ino: number; parsed: Parsed }>();

export class FileAuditLog implements AuditLog {
  readonly sink = 'file' as const;
  readonly file: string;
  constructor(stateRoot: string) {
    this.file = join(stateRoot, 'ledger', 'decisions.jsonl');
  }

  get location(): string {
    return this.file;
  }

  async append(record: DecisionRecord): Promise<AppendResult> {
    mkdirSync(dirname(this.file), { recursive: true });
    return await withFileLock(`${this.file}.lock`, () => this.appendLocked(record));
  }

  private appendLocked(record: DecisionRecord): AppendResult {
    const p = this.parse(true);
    const existing = p.byId.get(record.id);
    if (existing) return { written: false, seq: existing.seq, hash: existing.hash, location: this.file };
    const created = !existsSync(this.file);
    const fd = openSync(this.file, 'a');
    try {
      if (p.tornTail !== undefined) {
        // Never acknowledged (the writer died before fsync returned): keep the bytes aside, cut them off.
        writeFileSync(`${this.file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`, p.tornTail);
        ftruncateSync(fd, p.complete);
        process.emitWarning(`${this.file}: torn last line (${p.tornTail.length} bytes) moved aside before appending`);
      } else if (p.missingNewline) {
        writeSync(fd, '\n');
      }
      const seq = p.head.seq + 1;
      const prevHash = p.head.hash;
      const hash = chainHash(prevHash, seq, record);
      writeSync(fd, JSON.stringify({ seq, prevHash, hash, record }) + '\n');
      fsyncSync(fd);
      if (created) fsyncDir(dirname(this.file));
      return { written: true, seq, hash, location: this.file };
    } finally {
      closeSync(fd);
    }
  }

  async all(): Promise<DecisionRecord[]> {
    // A copy: the cached list grows in place with later appends.
    return [...this.parse(false).records];
  }

  async find(id: string): Promise<DecisionRecord | undefined> {
    return this.parse(false).byId.get(id)?.record;
  }

  async forService(service: string): Promise<DecisionRecord[]> {
    return this.parse(false).records.filter((r) => r.service === service);
  }

  async verify(): Promise<VerifyReport> {
    cache.delete(this.file);
    const p = this.parse(false);
    return verifyChain(p.items, 'file', this.file, p.tornTail);
  }

  /**
   * Parsed once per file version (activities read the log on every decision). A log that only
   * grew since the last parse is read from where that parse stopped, so an append costs the new
   * bytes, not the whole history; `verify` always reads everything.
   */
  private parse(fresh: boolean): Parsed {
    if (!existsSync(this.file)) return parseText(Buffer.alloc(0), this.file, false);
    const fd = openSync(this.file, 'r');
    try {
      const st = fstatSync(fd);
      const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
      const hit = cache.get(this.file);
      if (!fresh && hit && hit.key === key) return hit.parsed;
      const grown = hit && hit.ino === st.ino && appendedOnly(fd, hit.parsed, st.size) ? extend(hit.parsed, readFrom(fd, hit.parsed.complete, st.size), this.file, !fresh) : undefined;
      const parsed = grown ?? parseText(readFileSync(fd), this.file, !fresh);
      cache.set(this.file, { key, ino: st.ino, parsed });
      return parsed;
    } finally {
      closeSync(fd);
    }
  }
}

/** The earlier parse ended on a whole line and that line's newline is still where it was. */
function appendedOnly(fd: number, prev: Parsed, size: number): boolean {
  if (prev.tornTail !== undefined || prev.missingNewline || prev.complete === 0 || size < prev.complete) return false;
  const last = Buffer.alloc(1);
  return readSync(fd, last, 0, 1, prev.complete - 1) === 1 && last[0] === 0x0a;
}

function readFrom(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** Splits at the last newline: whole lines, and an unterminated tail that is either a torn fragment or a whole record. */
function splitLines(buf: Buffer, firstLine: number): { lines: Array<{ text: string; where: string }>; complete: number; tornTail?: string; missingNewline: boolean } {
  const complete = buf.lastIndexOf(0x0a) + 1;
  const tail = buf.subarray(complete).toString('utf8');
  const texts = buf.subarray(0, complete).toString('utf8').split('\n');
  texts.pop(); // after the last newline
  const lines = texts.map((text, i) => ({ text, where: `line ${firstLine + i}` }));
  if (!tail.trim()) return { lines, complete, missingNewline: false };
  if (classify(tail, 'x').kind === 'unreadable') return { lines, complete, tornTail: tail, missingNewline: false };
  return { lines: [...lines, { text: tail, where: `line ${firstLine + texts.length}` }], complete, missingNewline: true };
}

function parseText(buf: Buffer, file: string, warn: boolean): Parsed {
  const split = splitLines(buf, 1);
  const { complete, tornTail, missingNewline } = split;
  const items = split.lines.flatMap((l) => (l.text.trim() ? [classify(l.text, l.where)] : []));
  if (tornTail !== undefined && warn) process.emitWarning(`${file}: torn last line ignored (repaired by the next append)`);
  const legacy = linkLegacy(items.flatMap((it) => (it.kind === 'legacy' ? [it.record] : [])));
  const byId = new Map<string, AuditEntry>();
  const records: DecisionRecord[] = [];
  let legacyIndex = 0;
  // The head is the last link: the newest chained record, or (before the chain) the last plain line's virtual link.
  let head = legacy.length > 0 ? { seq: legacy[legacy.length - 1].seq, hash: legacy[legacy.length - 1].hash } : { seq: 0, hash: GENESIS };
  for (const it of items) {
    if (it.kind === 'unreadable') {
      if (warn) process.emitWarning(`${file}: ${it.where}: unreadable audit line skipped`);
      continue;
    }
    const entry = it.kind === 'chained' ? it : legacy[legacyIndex++];
    records.push(it.record);
    if (!byId.has(it.record.id)) byId.set(it.record.id, entry);
    if (it.kind === 'chained') head = { seq: it.seq, hash: it.hash };
  }
  const lineCount = split.lines.length - (missingNewline ? 1 : 0);
  return { items, complete, lineCount, tornTail, missingNewline, records, byId, head };
}

/**
 * `prev` grown by the bytes appended after it, in place (the cache owns it, and copying the whole
 * log's index on every append is what this path avoids); undefined when they hold plain pre-chain
 * lines (their links need the whole file), checked before anything changes.
 */
function extend(prev: Parsed, appended: Buffer, file: string, warn: boolean): Parsed | undefined {
  const split = splitLines(appended, prev.lineCount + 1);
  const added = split.lines.flatMap((l) => (l.text.trim() ? [classify(l.text, l.where)] : []));
  if (added.some((it) => it.kind === 'legacy')) return undefined;
  if (split.tornTail !== undefined && warn) process.emitWarning(`${file}: torn last line ignored (repaired by the next append)`);
  for (const it of added) {
    prev.items.push(it);
    if (it.kind === 'unreadable') {
      if (warn) process.emitWarning(`${file}: ${it.where}: unreadable audit line skipped`);
      continue;
    }
    if (it.kind !== 'chained') continue;
    prev.records.push(it.record);
    if (!prev.byId.has(it.record.id)) prev.byId.set(it.record.id, it);
    prev.head = { seq: it.seq, hash: it.hash };
  }
  prev.complete += split.complete;
  prev.lineCount += split.lines.length - (split.missingNewline ? 1 : 0);
  prev.tornTail = split.tornTail;
  prev.missingNewline = split.missingNewline;
  return prev;
}

function classify(line: string, where: string): StoredItem {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    return { kind: 'unreadable', where, reason: (e as Error).message };
  }
  const o = v as Record<string, unknown> | null;
  if (o && typeof o === 'object' && typeof o.seq === 'number' && typeof o.hash === 'string' && typeof o.prevHash === 'string' && o.record && typeof o.record === 'object') {
    return { kind: 'chained', where, seq: o.seq, prevHash: o.prevHash, hash: o.hash, record: o.record as DecisionRecord };
  }
  if (o && typeof o === 'object' && typeof o.id === 'string') return { kind: 'legacy', where, record: o as unknown as DecisionRecord };
  return { kind: 'unreadable', where, reason: 'not a decision record' };
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on this platform: the file itself is synced */
  }
}

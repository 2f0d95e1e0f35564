import { createHash } from 'node:crypto';
import type { DecisionRecord } from '../../decision/record';

/**
 * The audit chain's arithmetic, shared by every sink: record `seq` (1, 2, …) links to the one
 * before through `prevHash`, and `hash = sha256(prevHash + canonicalJson({ record, seq }))` (hex).
 * The first record's prevHash is GENESIS. Changing, removing or reordering a stored record breaks
 * a link that `verifyChain` names.
 */

export const GENESIS = '0'.repeat(64);

/**
 * JSON with object keys sorted (UTF-16 code-unit order, JavaScript's default sort), no whitespace,
 * JSON.stringify's forms for strings and numbers, undefined object members dropped and undefined
 * array items as null — so the same record hashes the same after any JSON round trip.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'function') return 'null';
  if (typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function chainHash(prevHash: string, seq: number, record: DecisionRecord): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson({ record, seq }))
    .digest('hex');
}

/** One record as stored, with its chain fields. */
export interface AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
  record: DecisionRecord;
}

/** What a sink read, in stored order: chained entries, records written before the chain, unreadable lines. */
export type StoredItem =
  | ({ kind: 'chained'; where: string } & AuditEntry)
  | { kind: 'legacy'; where: string; record: DecisionRecord }
  | { kind: 'unreadable'; where: string; reason: string };

export type BreakKind = 'tampered' | 'missing' | 'reordered' | 'broken-link' | 'duplicate' | 'unchained' | 'unreadable';

export interface ChainBreak {
  kind: BreakKind;
  /** Where in the store: `line 12` (file) or `seq 12` (Postgres). */
  where: string;
  /** The seq the walk expected here. */
  expectedSeq: number;
  seq?: number;
  decisionId?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  sink: 'file' | 'postgres';
  location: string;
  /** Readable records (legacy + chained). */
  records: number;
  /** Records with chain fields. */
  chained: number;
  /** Records written before the chain existed (file sink only): linked by the first chained record after them. */
  legacy: number;
  /** Legacy records no chained record commits to yet (verify cannot vouch for them until the next append). */
  unanchoredLegacy: number;
  head?: { seq: number; hash: string };
  firstBreak?: ChainBreak;
  /** A torn last line (a crash mid-append, never acknowledged): repaired before the next append. */
  tornTail?: string;
}

/**
 * Records written before the chain (plain JSON lines of older versions) get virtual links: record k
 * of that prefix is seq k, hashed like a chained record. The first chained record after them links
 * to the last one, so from then on they are as tamper-evident as the rest.
 */
export function linkLegacy(records: DecisionRecord[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS;
  records.forEach((record, i) => {
    const hash = chainHash(prev, i + 1, record);
    out.push({ seq: i + 1, prevHash: prev, hash, record });
    prev = hash;
  });
  return out;
}

/** Walks the stored items in order and names the first broken or missing link. */
export function verifyChain(items: StoredItem[], sink: VerifyReport['sink'], location: string, tornTail?: string): VerifyReport {
  const report: VerifyReport = { ok: true, sink, location, records: 0, chained: 0, legacy: 0, unanchoredLegacy: 0, tornTail };
  const fail = (b: ChainBreak) => {
    report.ok = false;
    report.firstBreak ??= b;
  };
  let expected = 1;
  let prev = GENESIS;
  let chainStarted = false;
  const seen = new Map<string, number>();
  const laterSeqs = new Set<number>();
  const laterHashes = new Set<string>();
  for (const it of items) {
    if (it.kind === 'chained') {
      laterSeqs.add(it.seq);
      laterHashes.add(it.hash);
    }
  }
  for (const it of items) {
    if (it.kind === 'chained') {
      laterSeqs.delete(it.seq);
      laterHashes.delete(it.hash);
    }
    if (report.firstBreak) {
      if (it.kind !== 'unreadable') report.records++;
      if (it.kind === 'chained') report.chained++;
      continue;
    }
    if (it.kind === 'unreadable') {
      fail({ kind: 'unreadable', where: it.where, expectedSeq: expected, message: `${it.where}: unreadable (${it.reason}); the record there cannot be checked` });
      continue;
    }
    report.records++;
    const id = it.record?.id;
    if (typeof id === 'string' && seen.has(id)) {
      fail({ kind: 'duplicate', where: it.where, expectedSeq: expected, decisionId: id, message: `${it.where}: decision ${id} is recorded a second time (first at seq ${seen.get(id)}); appends never repeat an id, so this one was inserted` });
      continue;
    }
    if (it.kind === 'legacy') {
      if (chainStarted) {
        fail({ kind: 'unchained', where: it.where, expectedSeq: expected, decisionId: id, message: `${it.where}: decision ${id} has no chain fields after the chain started (seq ${expected - 1}): written by code that does not chain, or inserted` });
        continue;
      }
      const hash = chainHash(prev, expected, it.record);
      seen.set(id, expected);
      report.legacy++;
      report.unanchoredLegacy++;
      prev = hash;
      expected++;
      continue;
    }
    report.chained++;
    chainStarted = true;
    const label = `${it.where} (seq ${it.seq}, decision ${id})`;
    if (it.seq !== expected) {
      if (it.seq > expected && !laterSeqs.has(expected)) {
        fail({ kind: 'missing', where: it.where, expectedSeq: expected, seq: it.seq, decisionId: id, message: `${label}: seq ${expected}${it.seq - 1 > expected ? `…${it.seq - 1}` : ''} is missing: the record after seq ${expected - 1} was deleted` });
      } else {
        fail({ kind: 'reordered', where: it.where, expectedSeq: expected, seq: it.seq, decisionId: id, message: `${label}: expected seq ${expected} here; records were reordered (seq ${expected} is stored ${it.seq > expected ? 'later' : 'elsewhere'})` });
      }
      continue;
    }
    if (it.prevHash !== prev) {
      const moved = laterHashes.has(it.prevHash);
      fail({
        kind: moved ? 'reordered' : 'broken-link',
        where: it.where,
        expectedSeq: expected,
        seq: it.seq,
        decisionId: id,
        message: moved
          ? `${label}: links to a record stored after it; records were reordered`
          : `${label}: prevHash does not match the hash of seq ${expected - 1}; the record before it was changed, replaced or removed`,
      });
      continue;
    }
    const hash = chainHash(it.prevHash, it.seq, it.record);
    if (hash !== it.hash) {
      fail({ kind: 'tampered', where: it.where, expectedSeq: expected, seq: it.seq, decisionId: id, message: `${label}: content does not match its hash; the record was changed after it was written` });
      continue;
    }
    report.unanchoredLegacy = 0;
    seen.set(id, it.seq);
    prev = hash;
    expected++;
  }
  if (report.ok && expected > 1) report.head = { seq: expected - 1, hash: prev };
  return report;
}

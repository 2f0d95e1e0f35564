/**
 * The decision journal of a stack: the capacity state before each decision's first apply attempt,
 * so a retried apply — on this worker or on another host — returns the state from before the
 * first attempt, not the one that attempt produced. Kept in the state backend beside the stack
 * (`.kinetic/journal/<project>/<stack>.json`), so every worker sharing the backend sees it; the
 * last 50 decisions are kept. Written whole (file: temp + rename; S3: one PUT), never half.
 */
import * as fs from 'node:fs';
import type { CapacityState } from '../contract';
import type { StateBackend } from './backend';

export interface JournalEntry {
  decisionId: string;
  previous: CapacityState;
  at: string;
}

const keyOf = (project: string, stack: string) => `.kinetic/journal/${project}/${stack}.json`;

/** The journal; `legacyFile` (the work-dir file of older versions) is read when the backend has none yet. */
export async function readJournal(backend: StateBackend, project: string, stack: string, legacyFile?: string): Promise<JournalEntry[]> {
  const raw = await backend.read(keyOf(project, stack));
  try {
    if (raw) return JSON.parse(raw.toString('utf8')) as JournalEntry[];
    if (legacyFile) return JSON.parse(fs.readFileSync(legacyFile, 'utf8')) as JournalEntry[];
  } catch {
    // unreadable or missing: start over
  }
  return [];
}

export async function writeJournal(backend: StateBackend, project: string, stack: string, entries: JournalEntry[]): Promise<void> {
  await backend.write(keyOf(project, stack), JSON.stringify(entries.slice(-50), null, 2));
}

export async function removeJournal(backend: StateBackend, project: string, stack: string, legacyFile?: string): Promise<void> {
  await backend.remove(keyOf(project, stack));
  if (legacyFile) fs.rmSync(legacyFile, { force: true });
}

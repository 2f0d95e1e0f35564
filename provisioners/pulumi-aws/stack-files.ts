/**
 * Files of an AWS service stack that the provisioner reads without starting the CLI: the stack
 * outputs in the checkpoint (the last applied plan) and the decision journal (the state before each
 * decision, so a retried apply returns the state from before its first attempt).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CapacityState } from '../contract';
import type { Checkpoint } from '../stack-state';

/** Outputs of the root stack resource; undefined when there is no checkpoint, {} before the first update. */
export function checkpointOutputs(cp: Checkpoint | undefined): Record<string, unknown> | undefined {
  if (!cp) return undefined;
  return cp.checkpoint?.latest?.resources?.find((r) => r.type === 'pulumi:pulumi:Stack')?.outputs ?? {};
}

export interface JournalEntry {
  decisionId: string;
  previous: CapacityState;
  at: string;
}

export function readJournal(file: string): JournalEntry[] {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JournalEntry[];
  } catch {
    return [];
  }
}

/** Keeps the last 50 decisions; written through a rename so a crash never leaves half a file. */
export function writeJournal(file: string, entries: JournalEntry[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(entries.slice(-50), null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

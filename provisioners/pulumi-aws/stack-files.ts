/**
 * Files of an AWS service stack that the provisioner reads without starting the CLI: the DIY
 * checkpoint (stack outputs: the last applied plan) and the decision journal (the state before each
 * decision, so a retried apply returns the state from before its first attempt).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CapacityState } from '../contract';

export interface Checkpoint {
  checkpoint?: {
    latest?: {
      resources?: Array<{ type: string; outputs?: Record<string, unknown> }>;
      pending_operations?: unknown[];
    };
  };
}

/** `<backend>/.pulumi/stacks/<project>/<stack>.json(.gz)`, parsed; undefined when the stack has none. */
export function readCheckpoint(backendDir: string, project: string, stack: string): Checkpoint | undefined {
  const base = path.join(backendDir, '.pulumi', 'stacks', project, stack);
  let raw: Buffer;
  if (fs.existsSync(`${base}.json`)) raw = fs.readFileSync(`${base}.json`);
  else if (fs.existsSync(`${base}.json.gz`)) raw = zlib.gunzipSync(fs.readFileSync(`${base}.json.gz`));
  else return undefined;
  return JSON.parse(raw.toString('utf8')) as Checkpoint;
}

/** Outputs of the root stack resource; undefined when there is no checkpoint, {} before the first update. */
export function checkpointOutputs(cp: Checkpoint | undefined): Record<string, unknown> | undefined {
  if (!cp) return undefined;
  return cp.checkpoint?.latest?.resources?.find((r) => r.type === 'pulumi:pulumi:Stack')?.outputs ?? {};
}

export function pendingOperations(cp: Checkpoint | undefined): number {
  return cp?.checkpoint?.latest?.pending_operations?.length ?? 0;
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

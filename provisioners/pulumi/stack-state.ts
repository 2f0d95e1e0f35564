/**
 * A Pulumi DIY-backend stack's state, read without starting the CLI (shared by pulumi-local and
 * pulumi-aws), from a `file://` directory or an S3 bucket alike (`StateBackend`): the checkpoint
 * (resources' outputs, the operations a killed CLI left pending) and the newest update record.
 */
import * as zlib from 'node:zlib';
import type { StateBackend } from './backend';

export interface Checkpoint {
  checkpoint?: {
    latest?: {
      resources?: Array<{ type: string; outputs?: Record<string, unknown> }>;
      pending_operations?: unknown[];
    };
  };
}

/** Key of the stack's checkpoint (project-scoped layout), without the `.json` / `.json.gz` ending. */
export function checkpointKey(project: string, stack: string): string {
  return `.pulumi/stacks/${project}/${stack}`;
}

/** `<backend>/.pulumi/stacks/<project>/<stack>.json(.gz)`, parsed; undefined when the stack has none. */
export async function readCheckpoint(backend: StateBackend, project: string, stack: string): Promise<Checkpoint | undefined> {
  const base = checkpointKey(project, stack);
  const plain = await backend.read(`${base}.json`);
  const raw = plain ?? (await backend.read(`${base}.json.gz`).then((gz) => (gz ? zlib.gunzipSync(gz) : undefined)));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as Checkpoint;
  } catch (err) {
    throw new Error(
      `checkpoint ${backend.where(plain ? `${base}.json` : `${base}.json.gz`)} cannot be loaded (${(err as Error).message}; ${raw.length} bytes, probably left by a killed pulumi write): the next engine run of the stack restores it from a backup (provisioners/pulumi/checkpoint-repair.ts)`,
    );
  }
}

export function pendingOperations(cp: Checkpoint | undefined): number {
  return cp?.checkpoint?.latest?.pending_operations?.length ?? 0;
}

/** True when the stack exists in the backend (it has a checkpoint). */
export async function stackExists(backend: StateBackend, project: string, stack: string): Promise<boolean> {
  const base = checkpointKey(project, stack);
  return (await backend.list(base)).some((o) => o.key === `${base}.json` || o.key === `${base}.json.gz`);
}

/** The newest update record (`.pulumi/history/<project>/<stack>/<stack>-<ns>.history.json`), parsed; undefined when none. */
export async function latestHistory(backend: StateBackend, project: string, stack: string): Promise<Record<string, unknown> | undefined> {
  const dir = `.pulumi/history/${project}/${stack}/`;
  const newest = (await backend.list(dir))
    .map((o) => ({ key: o.key, ns: /-(\d+)\.history\.json(\.gz)?$/.exec(o.key) }))
    .filter((o): o is { key: string; ns: RegExpExecArray } => o.ns !== null)
    .sort((a, b) => (BigInt(a.ns[1]) < BigInt(b.ns[1]) ? 1 : BigInt(a.ns[1]) > BigInt(b.ns[1]) ? -1 : 0))[0];
  if (!newest) return undefined;
  const raw = await backend.read(newest.key);
  if (!raw) return undefined;
  return JSON.parse((newest.key.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8')) as Record<string, unknown>;
}

/** Outputs of the root stack resource; undefined when there is no checkpoint, {} before the first update. */
export function rootOutputs(cp: Checkpoint | undefined): Record<string, unknown> | undefined {
  if (!cp) return undefined;
  return cp.checkpoint?.latest?.resources?.find((r) => r.type === 'pulumi:pulumi:Stack')?.outputs ?? {};
}

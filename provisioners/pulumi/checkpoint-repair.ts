/**
 * A stack checkpoint that a killed CLI left empty or torn makes every later `pulumi` command on the
 * stack fail with `failed to load checkpoint`, so no retry can go on. Before the stack is opened,
 * and before every engine run, such a checkpoint is replaced by the newest backup of it that the
 * DIY backend keeps and that parses:
 * - `.pulumi/stacks/<project>/<stack>.json.bak`: the checkpoint before the last save (the engine
 *   saves after every step, so this is the newest);
 * - `.pulumi/backups/<project>/<stack>/<stack>.<ns>.json` and
 *   `.pulumi/history/<project>/<stack>/<stack>-<ns>.checkpoint.json`: the state after each update.
 * A restored checkpoint can be older than the fleet (members the killed update started are not in
 * it), so a record is written first (`.kinetic/restored/<project>/<stack>.json`, kept afterwards)
 * and the next engine run repairs before it changes anything (refresh; pulumi-local reaps
 * processes the state does not know). With no valid backup it fails naming the file: an empty
 * new stack would orphan everything the stack runs.
 * On a `file://` backend each object has an attributes sidecar (`<key>.attrs`, gocloud's fileblob),
 * which the engine reads with the object and rewrites in place (truncate, then write) before it
 * renames the new content over the old: a kill in between leaves it empty, and every command fails
 * with `failed to load checkpoint: EOF` while the checkpoint itself still holds the save before.
 * Such a sidecar is rewritten (content type and MD5 as the engine writes them), and that counts as
 * a restore too: the state is one save behind.
 * Only the plain `.json` checkpoint is handled (PULUMI_DIY_BACKEND_GZIP is not used here).
 */
import { createHash } from 'node:crypto';
import { ProvisionError } from '../errors';
import type { BackendObject, StateBackend } from './backend';
import { checkpointKey } from './stack-state';

/** Why a checkpoint's bytes cannot be loaded by the engine; undefined when they can. */
export function checkpointProblem(raw: Buffer): string | undefined {
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return 'it is empty';
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return `it is not valid JSON (${(err as Error).message}; ${raw.length} bytes, probably torn by a killed write)`;
  }
  const cp = (doc as { checkpoint?: unknown } | null)?.checkpoint;
  if (typeof doc !== 'object' || doc === null || typeof cp !== 'object' || cp === null) return 'it is JSON but has no "checkpoint" object';
  return undefined;
}

/** Why an attributes sidecar cannot be read by the engine; undefined when it can. */
export function attrsProblem(raw: Buffer): string | undefined {
  if (raw.toString('utf8').trim() === '') return 'its attributes file is empty';
  try {
    const doc = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? undefined : 'its attributes file is not a JSON object';
  } catch {
    return 'its attributes file is not valid JSON';
  }
}

/** The sidecar the engine writes for a checkpoint body. */
export function checkpointAttrs(body: Buffer): string {
  return JSON.stringify({
    'user.cache_control': '',
    'user.content_disposition': '',
    'user.content_encoding': '',
    'user.content_language': '',
    'user.content_type': 'text/plain; charset=utf-8',
    'user.metadata': null,
    md5: createHash('md5').update(body).digest('base64'),
  });
}

/** Backups of the stack's checkpoint among `objects`, newest first (modification time, then the key's timestamp). */
export function backupCandidates(objects: BackendObject[], project: string, stack: string): BackendObject[] {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [p, s] = [esc(project), esc(stack)];
  const patterns = [
    new RegExp(`^\\.pulumi/stacks/${p}/${s}\\.json\\.bak$`),
    new RegExp(`^\\.pulumi/backups/${p}/${s}/${s}\\.(\\d+)\\.json$`),
    new RegExp(`^\\.pulumi/history/${p}/${s}/${s}-(\\d+)\\.checkpoint\\.json$`),
  ];
  const stamp = (key: string) => {
    for (const re of patterns) {
      const m = re.exec(key);
      if (m) return m[1] ? BigInt(m[1]) : -1n;
    }
    return undefined;
  };
  return objects
    .filter((o) => stamp(o.key) !== undefined)
    .sort((a, b) => b.modifiedMs - a.modifiedMs || (stamp(b.key)! > stamp(a.key)! ? 1 : stamp(b.key)! < stamp(a.key)! ? -1 : 0));
}

export interface CheckpointRepairOptions {
  backend: StateBackend;
  projectName: string;
  stackName: string;
  /** Log prefix, e.g. "pulumi-local". */
  tag: string;
  /** Where the restore warning goes (the provisioner's log; stderr when it has none). */
  warn: (line: string) => void;
  /**
   * Resolves once no live CLI holds the stack (stale locks cleared): a checkpoint is only judged
   * broken when nobody can be writing it. Omit when the caller already did so.
   */
  waitForLocks?: () => Promise<unknown>;
}

export interface RestoredCheckpoint {
  /** The broken checkpoint (full address). */
  file: string;
  /** The backup put in its place (full address). */
  from: string;
  problem: string;
}

/** The stack's last restore, kept after the repair (`repairedAt`) as a record for operators. */
export interface RestoreRecord extends RestoredCheckpoint {
  at: string;
  repairedAt?: string;
}

const recordKey = (project: string, stack: string) => `.kinetic/restored/${project}/${stack}.json`;

/** Restores a broken checkpoint from its newest valid backup; undefined when it was fine (or absent). */
export async function repairCheckpoint(o: CheckpointRepairOptions): Promise<RestoredCheckpoint | undefined> {
  const key = `${checkpointKey(o.projectName, o.stackName)}.json`;
  const sidecar = o.backend.spec.kind === 'file';
  const broken = async (): Promise<{ problem: string; body?: Buffer } | undefined> => {
    const raw = await o.backend.read(key);
    if (raw === undefined) return undefined;
    const problem = checkpointProblem(raw);
    if (problem !== undefined) return { problem };
    const attrs = sidecar ? await o.backend.read(`${key}.attrs`) : undefined;
    const attrsWhy = attrs === undefined ? undefined : attrsProblem(attrs);
    return attrsWhy === undefined ? undefined : { problem: attrsWhy, body: raw };
  };
  if ((await broken()) === undefined) return undefined;
  await o.waitForLocks?.();
  const found = await broken();
  if (found === undefined) return undefined;
  const { problem } = found;

  const file = o.backend.where(key);
  const record = async (from: string) => {
    // Record first: a crash before the repair's writes still leaves the repair to do.
    const r: RestoreRecord = { file, from, problem, at: new Date().toISOString() };
    await o.backend.write(recordKey(o.projectName, o.stackName), JSON.stringify(r));
  };
  if (found.body) {
    // The checkpoint parses; only its sidecar is torn, so it holds the save before the killed one.
    await record(file);
    await o.backend.write(`${key}.attrs`, checkpointAttrs(found.body));
    o.warn(`[${o.tag}] ${o.stackName}: WARNING: checkpoint ${file} could not be loaded (${problem}: ${file}.attrs); rewrote it; the checkpoint is one save behind, so the next engine run refreshes the stack and reconciles what the interrupted update left`);
    return { file, from: file, problem };
  }
  const objects = [
    ...(await o.backend.list(`.pulumi/stacks/${o.projectName}/${o.stackName}.json.bak`)),
    ...(await o.backend.list(`.pulumi/backups/${o.projectName}/${o.stackName}/`)),
    ...(await o.backend.list(`.pulumi/history/${o.projectName}/${o.stackName}/`)),
  ];
  const rejected: string[] = [];
  for (const candidate of backupCandidates(objects, o.projectName, o.stackName)) {
    const raw = await o.backend.read(candidate.key);
    const why = raw === undefined ? 'gone' : checkpointProblem(raw);
    if (why !== undefined) {
      rejected.push(`${candidate.key}: ${why}`);
      continue;
    }
    const from = o.backend.where(candidate.key);
    await record(from);
    await o.backend.write(key, (raw as Buffer).toString('utf8'));
    if (sidecar) await o.backend.write(`${key}.attrs`, checkpointAttrs(raw as Buffer));
    o.warn(`[${o.tag}] ${o.stackName}: WARNING: checkpoint ${file} could not be loaded (${problem}); restored it from ${from}; the next engine run refreshes the stack and reconciles what the interrupted update left`);
    return { file, from, problem };
  }
  throw new ProvisionError(
    `stack ${o.stackName}: checkpoint ${file} cannot be loaded (${problem}) and no valid backup of it exists${rejected.length ? ` (${rejected.join('; ')})` : ''}. ` +
      `Kinetic will not create an empty stack over it (the stack's running resources would be orphaned): restore ${file} from a backup of the state backend, ` +
      `or, once everything the stack ran is stopped, remove it and run \`pulumi stack rm --force ${o.stackName}\``,
    false,
    'StackCheckpointUnreadable',
  );
}

/** The stack's last checkpoint restore, if any (`.kinetic/restored/<project>/<stack>.json`). */
export async function lastRestore(backend: StateBackend, project: string, stack: string): Promise<RestoreRecord | undefined> {
  const raw = await backend.read(recordKey(project, stack));
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as RestoreRecord;
  } catch {
    // Torn itself: treat as a restore still to repair (a refresh too many is harmless).
    return { file: backend.where(recordKey(project, stack)), from: '', problem: 'restore record unreadable', at: '' };
  }
}

/** True when a checkpoint was restored and the stack has not been repaired since. */
export async function restoredPendingRepair(backend: StateBackend, project: string, stack: string): Promise<boolean> {
  const r = await lastRestore(backend, project, stack);
  return r !== undefined && r.repairedAt === undefined;
}

/** Called once the repair after a restore is done; the record stays. */
export async function markRestoreRepaired(backend: StateBackend, project: string, stack: string): Promise<void> {
  const r = await lastRestore(backend, project, stack);
  if (r) await backend.write(recordKey(project, stack), JSON.stringify({ ...r, repairedAt: new Date().toISOString() }));
}

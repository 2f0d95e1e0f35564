/**
 * Who runs an engine operation on a stack, recorded next to the state so that a worker on another
 * host can tell a stack lock left by a dead worker from one held by a live one.
 *
 * Before every engine run the provisioner writes `.kinetic/owners/<project>/<stack>/<id>.json` in
 * the same backend (file or S3): its host, pid, the operation and — inside a Temporal activity —
 * the activity's identity (workflow, run, activity id, attempt) and heartbeat timeout. While the
 * engine runs it renews the record (`renewedAt`) at least every third of its lease; when the run
 * ends it deletes it. The Pulumi lock itself only says `hostname` and a pid that means nothing on
 * another host; the record is what the stale-lock rule in stack-lock.ts reasons about.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { ActivityIdentity } from '../contract';
import type { StateBackend } from './backend';

export interface OwnerRecord {
  id: string;
  host: string;
  pid: number;
  op: string;
  project: string;
  stack: string;
  /** The Temporal activity attempt running the operation, when it runs in one. */
  activity?: ActivityIdentity;
  /** A record not renewed for this long belongs to a holder that stopped (dead, or unable to drive its engine). */
  leaseMs: number;
  startedAt: string;
  renewedAt: string;
}

/** Lease of an operation outside a Temporal activity (a CLI preview, a refresh in a local activity). */
export const DEFAULT_OWNER_LEASE_MS = 60_000;

const dirOf = (project: string, stack: string) => `.kinetic/owners/${project}/${stack}/`;

export async function listOwners(backend: StateBackend, project: string, stack: string): Promise<Array<OwnerRecord & { modifiedMs: number }>> {
  const out: Array<OwnerRecord & { modifiedMs: number }> = [];
  for (const o of await backend.list(dirOf(project, stack))) {
    if (!o.key.endsWith('.json')) continue;
    const raw = await backend.read(o.key);
    if (!raw) continue;
    try {
      out.push({ ...(JSON.parse(raw.toString('utf8')) as OwnerRecord), modifiedMs: o.modifiedMs });
    } catch {
      // half-written on a file system without atomic rename: skip
    }
  }
  return out;
}

/** Deletes a record (one whose holder stopped renewing it). */
export async function removeOwner(backend: StateBackend, r: OwnerRecord): Promise<void> {
  await backend.remove(`${dirOf(r.project, r.stack)}${r.id}.json`).catch(() => undefined);
}

export interface OwnerHandle {
  record: OwnerRecord;
  /** Stops renewing and deletes the record. */
  close(): Promise<void>;
}

/** Writes this run's record and renews it until `close()`. */
export async function registerOwner(
  backend: StateBackend,
  o: { project: string; stack: string; op: string; activity?: ActivityIdentity; log?: (line: string) => void },
): Promise<OwnerHandle> {
  const leaseMs = o.activity?.heartbeatTimeoutMs ?? DEFAULT_OWNER_LEASE_MS;
  const now = new Date().toISOString();
  const record: OwnerRecord = {
    id: `${os.hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`,
    host: os.hostname(),
    pid: process.pid,
    op: o.op,
    project: o.project,
    stack: o.stack,
    activity: o.activity,
    leaseMs,
    startedAt: now,
    renewedAt: now,
  };
  const key = `${dirOf(o.project, o.stack)}${record.id}.json`;
  await backend.write(key, JSON.stringify(record));
  let closed = false;
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      inFlight = inFlight.then(async () => {
        if (closed) return;
        record.renewedAt = new Date().toISOString();
        await backend.write(key, JSON.stringify(record)).catch((err: Error) => o.log?.(`[pulumi] could not renew the owner record ${backend.where(key)}: ${err.message}`));
      });
    },
    Math.max(250, Math.min(5_000, Math.floor(leaseMs / 3))),
  );
  timer.unref();
  return {
    record,
    async close() {
      closed = true;
      clearInterval(timer);
      await inFlight;
      await backend.remove(key).catch(() => undefined);
    },
  };
}

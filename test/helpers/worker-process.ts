import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../config/tools';

/**
 * A worker in its own OS process that SIGKILL really kills: node runs the fixture directly with
 * tsx as a loader (the `tsx` CLI is a wrapper whose death leaves the real worker running).
 * `opts.address`: another Temporal than the run's shared dev server; `opts.env`: e.g. the
 * fixture's KINETIC_TEST_PAUSE_AT hook.
 */
export function startWorkerProcess(
  taskQueue: string,
  configPath: string,
  track: ChildProcess[],
  opts: { address?: string; env?: Record<string, string> } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/fixtures/worker-process.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: opts.address ?? inject('temporalAddress'),
      TASK_QUEUE: taskQueue,
      KINETIC_CONFIG: configPath,
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  track.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('worker-ready') && resolve(child));
    child.on('exit', (code, signal) => reject(new Error(`worker exited early with ${code ?? signal}`)));
  });
}

export async function killWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Waits until `activityType` runs (and heartbeated) in `workflowId`, and returns the pid of the
 * worker process running it (from the identity `test-worker-<pid>`).
 */
export async function workerRunningActivity(
  describe: () => Promise<{ raw: { pendingActivities?: Array<{ activityType?: { name?: string | null } | null; lastWorkerIdentity?: string | null; heartbeatDetails?: unknown }> | null } }>,
  activityType: string,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await describe().catch(() => undefined);
    const a = d?.raw.pendingActivities?.find((x) => x.activityType?.name === activityType && x.heartbeatDetails && x.lastWorkerIdentity);
    const pid = a ? Number(/test-worker-(\d+)/.exec(a.lastWorkerIdentity ?? '')?.[1]) : NaN;
    if (Number.isInteger(pid)) return pid;
    if (Date.now() > deadline) throw new Error(`${activityType} never started`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

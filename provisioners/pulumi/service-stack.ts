/**
 * One service's Pulumi stack as the stack-per-service provisioners (pulumi-aws, pulumi-kubernetes)
 * use it: the workspace (stamped CLI, backend, PULUMI_HOME, passphrase; created once), engine runs
 * under the stack-lock rules (stack-lock.ts), heartbeats from engine events, and destroy with the
 * stack's journal. pulumi-local keeps its own wiring (many stacks, process reaping).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalWorkspace, type EngineEvent, type PulumiFn, type Stack } from '@pulumi/pulumi/automation';
import type { ProvisionContext } from '../contract';
import type { StateBackend } from './backend';
import { cliEnv, pulumiCommand, resolvePaths, stateBackend, type PulumiPaths } from './env';
import type { SecretsSettings } from './passphrase';
import { removeJournal } from './stack-journal';
import { repairCheckpoint } from './checkpoint-repair';
import { awaitStackLocks, runLocked, type StackLockOptions } from './stack-lock';
import { pendingOperations, readCheckpoint, stackExists, type Checkpoint } from './stack-state';

/** Options every stack-per-service Pulumi provisioner takes. */
export interface PulumiStackOptions {
  /** Root of everything written: `state/` (backend), `work/<service>/`; never the passphrase (provisioners/pulumi/passphrase.ts). */
  rootDir: string;
  /** Repository root (default: resolved from this file). */
  repoRoot?: string;
  /** Pulumi CLI (default `$KINETIC_PULUMI_BIN` or `<repo>/.tools/bin/pulumi`). */
  pulumiBin?: string;
  /** PULUMI_HOME, where `plugins/resource-<name>-v<version>` is looked up (default `<repo>/.kinetic/pulumi/home`). */
  pulumiHome?: string;
  /** Pulumi project name (each provisioner has its default). */
  projectName?: string;
  /**
   * State backend URL (default `file://<rootDir>/state`): another `file://` directory (shared
   * storage), or `s3://bucket/prefix?endpoint=…&s3ForcePathStyle=true&region=…`. Credentials for S3
   * come from the AWS default chain of this process (the CLI inherits it).
   */
  backend?: string;
  /** Where the stack secrets' key comes from: provisioner.passphraseFile / secretsProvider (provisioners/pulumi/passphrase.ts). */
  secrets?: SecretsSettings;
  /** Max time to wait for a live stack lock (default 600000 ms). */
  lockTimeoutMs?: number;
  /** Poll interval while waiting for a lock (default 1000 ms). */
  lockPollMs?: number;
  /** Heartbeat at least this often while an engine operation runs (default 5000 ms, at most a third of the activity's heartbeat timeout; 0 = events only). */
  heartbeatIntervalMs?: number;
  log?: (line: string) => void;
  onOutput?: (text: string) => void;
}

export interface ServiceStack {
  readonly paths: PulumiPaths;
  readonly backend: StateBackend;
  readonly projectName: string;
  /** The stack's checkpoint, read from the backend without the CLI. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Runs one engine operation with lock handling: dead holders' locks cleared, live ones awaited. */
  locked<T>(op: string, ctx: ProvisionContext, run: (stack: Stack) => Promise<T>): Promise<T>;
  /** Engine events → activity heartbeats. */
  onEvent(op: string, ctx: ProvisionContext): (e: EngineEvent) => void;
  /** `pulumi destroy`, then the stack and its journal removed; nothing when the stack does not exist. */
  destroy(ctx: ProvisionContext): Promise<void>;
}

export function serviceStack(
  options: PulumiStackOptions,
  s: { projectName: string; stackName: string; tag: string; program: () => Promise<PulumiFn>; beforeRun?: () => void },
): ServiceStack {
  const paths = resolvePaths(options);
  const backend = stateBackend(paths);
  const workDir = path.join(paths.workRoot, s.stackName);
  const log = options.log ?? (() => undefined);
  const warn = options.log ?? ((line: string) => console.warn(line));
  let stackPromise: Promise<Stack> | undefined;

  function getStack(ctx: ProvisionContext): Promise<Stack> {
    if (!stackPromise) {
      stackPromise = (async () => {
        fs.mkdirSync(workDir, { recursive: true });
        if (paths.backendDir) fs.mkdirSync(paths.backendDir, { recursive: true });
        fs.mkdirSync(paths.pulumiHome, { recursive: true });
        // A checkpoint a killed CLI left empty or torn fails even `stack select` (checkpoint-repair.ts).
        const o = lockOptions();
        await repairCheckpoint({ ...o, warn, waitForLocks: () => awaitStackLocks(o, ctx) });
        return LocalWorkspace.createOrSelectStack(
          { projectName: s.projectName, stackName: s.stackName, program: await s.program() },
          {
            workDir,
            pulumiHome: paths.pulumiHome,
            pulumiCommand: await pulumiCommand(paths),
            envVars: cliEnv(paths),
            ...(paths.secrets?.secretsProvider ? { secretsProvider: paths.secrets.secretsProvider } : {}),
            projectSettings: { name: s.projectName, runtime: 'nodejs', main: paths.repoRoot, backend: { url: paths.backendUrl } },
          },
        );
      })();
      stackPromise.catch(() => (stackPromise = undefined));
    }
    return stackPromise;
  }

  const checkpoint = () => readCheckpoint(backend, s.projectName, s.stackName);

  function lockOptions(): StackLockOptions {
    return {
      tag: s.tag,
      backend,
      projectName: s.projectName,
      stackName: s.stackName,
      lockTimeoutMs: options.lockTimeoutMs ?? 600_000,
      lockPollMs: options.lockPollMs ?? 1_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
      log,
      warn,
      pendingOperations: async () => pendingOperations(await checkpoint()),
      onOutput: options.onOutput,
    };
  }

  async function locked<T>(op: string, ctx: ProvisionContext, run: (stack: Stack) => Promise<T>): Promise<T> {
    s.beforeRun?.();
    const stack = await getStack(ctx);
    return runLocked(stack, op, ctx, lockOptions(), run);
  }

  return {
    paths,
    backend,
    projectName: s.projectName,
    checkpoint,
    locked,
    onEvent: (op, ctx) => (e) => {
      const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
      ctx.heartbeat({ op, service: s.stackName, seq: e.sequence, resource: meta ? `${meta.op} ${meta.urn.split('::').pop()}` : undefined });
    },
    async destroy(ctx) {
      // Existence only: a broken checkpoint is restored by the locked run (checkpoint-repair.ts).
      if (!(await stackExists(backend, s.projectName, s.stackName))) return;
      await locked('destroy', ctx, (st) => st.destroy({ signal: ctx.signal, onOutput: options.onOutput }));
      const stack = await getStack(ctx);
      await stack.workspace.removeStack(s.stackName);
      stackPromise = undefined;
      await removeJournal(backend, s.projectName, s.stackName, path.join(workDir, 'decisions.json'));
    },
  };
}

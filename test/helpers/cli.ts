import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { REPO_ROOT } from '../../config/tools';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'kinetic.js');

/** Runs the real `kinetic` binary against the run's dev server; never throws on a non-zero exit. */
export async function kinetic(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

export interface RunningKinetic {
  /** Resolves once the stream has printed text matching `pattern` (a process under load starts late). */
  printed(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
  /** Sends the process a signal (e.g. SIGINT to stop a long-running command). */
  signal(sig: NodeJS.Signals): void;
}

/** Starts the real `kinetic` binary and lets the test wait for what it prints while it runs. */
export function startKinetic(args: string[], env: NodeJS.ProcessEnv = {}): RunningKinetic {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += String(d)));
  child.stderr.on('data', (d) => (out.stderr += String(d)));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, ...out })));
  const printed = async (stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    let closed = false;
    void done.then(() => (closed = true));
    while (!pattern.test(out[stream])) {
      if (closed || Date.now() > end) throw new Error(`kinetic ${args.join(' ')} did not print ${pattern} on ${stream}; it printed: ${out[stream].slice(-500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { printed, done, signal: (sig) => void child.kill(sig) };
}

/**
 * Runs a command as if on another machine or in a restarted container, with real Linux namespaces
 * (`unshare` from util-linux; unprivileged user namespaces or root): a new pid namespace (the
 * command is PID 1 there, or gets a chosen pid), optionally a new UTS namespace with another
 * hostname. Killing the returned `unshare` process kills everything inside (`--kill-child` + the
 * pid namespace's init dying), like a host or container going away.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface NamespaceOptions {
  /** Hostname inside (a new UTS namespace); default: this host's name. */
  hostname?: string;
  /** The command gets this pid inside its pid namespace (default: it is PID 1). */
  pid?: number;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** argv of `unshare … sh -c …` running `argv` with the options above. */
export function namespacedArgv(argv: string[], o: NamespaceOptions = {}): string[] {
  const steps: string[] = [];
  if (o.hostname) steps.push(`hostname ${q(o.hostname)}`);
  // The next fork after writing ns_last_pid = n gets pid n + 1 (nothing else runs in this namespace).
  if (o.pid !== undefined) steps.push(`echo ${o.pid - 1} > /proc/sys/kernel/ns_last_pid`, `${argv.map(q).join(' ')}; exit $?`);
  else steps.push(`exec ${argv.map(q).join(' ')}`);
  const flags = ['--user', '--map-root-user', '--pid', '--fork', '--kill-child', '--mount-proc'];
  if (o.hostname) flags.push('--uts');
  return ['unshare', ...flags, 'sh', '-c', steps.join(' && ')];
}

export function spawnNamespaced(argv: string[], o: NamespaceOptions, opts: SpawnOptions = {}): ChildProcess {
  const [cmd, ...rest] = namespacedArgv(argv, o);
  return spawn(cmd, rest, opts);
}

/** Throws with what to do when this machine cannot create the namespaces these tests need. */
export function requireNamespaces(): void {
  const [cmd, ...rest] = namespacedArgv(['sh', '-c', 'echo $$ $(hostname)'], { hostname: 'kinetic-ns-probe' });
  const r = spawnSync(cmd, rest, { encoding: 'utf8' });
  if (r.status !== 0 || r.stdout.trim() !== '1 kinetic-ns-probe') {
    throw new Error(
      `these tests run processes in their own pid/UTS namespaces (unshare --user --map-root-user --pid --uts), which failed here: ${r.error?.message ?? r.stderr.trim()}. ` +
        'Install util-linux and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 kernel.apparmor_restrict_unprivileged_userns=0), or run as root.',
    );
  }
}

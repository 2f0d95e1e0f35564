/**
 * What a benchmark number needs next to it on a shared machine: the `uptime` load averages when it
 * was measured, the Node version, the date, the command, the commit, the CPU.
 * Used by bench/saga.ts and bench/learning.ts.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { relative } from 'node:path';

/** `uptime` as the shell prints it (falls back to os.loadavg() where there is no `uptime`). */
export function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8', timeout: 2000 }).trim().replace(/\s+/g, ' ');
  } catch {
    return `load average: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`;
  }
}

/** The 1/5/15-minute load averages, e.g. "3.81 / 2.97 / 1.78". */
export function loadNow(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' / ');
}

/** Samples the 1-minute load average every second while a phase runs: min, mean, max. */
export class LoadSampler {
  private samples: number[] = [];
  private timer?: NodeJS.Timeout;
  readonly startUptime = uptime();
  endUptime = '';
  start(): this {
    this.samples.push(loadavg()[0]);
    this.timer = setInterval(() => this.samples.push(loadavg()[0]), 1000);
    this.timer.unref();
    return this;
  }
  stop(): LoadSummary {
    if (this.timer) clearInterval(this.timer);
    this.samples.push(loadavg()[0]);
    this.endUptime = uptime();
    const s = this.samples;
    return {
      start: this.startUptime,
      end: this.endUptime,
      oneMinute: { min: round2(Math.min(...s)), mean: round2(s.reduce((a, b) => a + b, 0) / s.length), max: round2(Math.max(...s)) },
    };
  }
}

export interface LoadSummary {
  /** `uptime` before the phase. */
  start: string;
  /** `uptime` after the phase. */
  end: string;
  /** 1-minute load average sampled every second during the phase. */
  oneMinute: { min: number; mean: number; max: number };
}

/** One line for a markdown report: "load 1-min 2.1–3.4 (mean 2.8); uptime after: …". */
export function describeLoad(l: LoadSummary): string {
  return `1-min load during the run ${l.oneMinute.min}–${l.oneMinute.max} (mean ${l.oneMinute.mean}); \`uptime\` before: ${loadPart(l.start)}, after: ${loadPart(l.end)}`;
}

function loadPart(up: string): string {
  const m = /load averages?:\s*(.*)$/.exec(up);
  return m ? m[1] : up;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export interface RunInfo {
  date: string;
  node: string;
  command: string;
  commit: string;
  /** Files under the given paths that differ from the commit (the working tree is shared). */
  dirty: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
}

/** `command` is what a reader types to reproduce the run (the npm script or the tsx line). */
export function runInfo(command: string): RunInfo {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    command,
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']).length > 0,
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** The command line that started this process, as a reader would type it: [npm form, tsx form]. */
export function commandLine(script: string): string {
  const quote = (a: string) => (/^[\w./,:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const args = process.argv.slice(2).map(quote).join(' ');
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${quote(v ?? '')} `)
    .join('');
  const direct = `${env}npx tsx ${relative(process.cwd(), script) || script}${args ? ` ${args}` : ''}`;
  const npm = process.env.npm_lifecycle_event; // set when started by `npm run <script>`
  return npm?.startsWith('bench:') ? `${env}npm run ${npm}${args ? ` -- ${args}` : ''}  (= ${direct})` : direct;
}

/** The header lines every report starts with. */
export function infoLines(info: RunInfo): string[] {
  return [
    `- Command: ${info.command
      .split('  (= ')
      .map((c, i) => (i === 0 ? `\`${c}\`` : `(= \`${c.replace(/\)$/, '')}\`)`))
      .join(' ')}`,
    `- Date: ${info.date}; Node ${info.node}; ${info.cores} × ${info.cpu}, ${info.memoryGiB} GiB`,
    `- Code: commit ${info.commit}${info.dirty ? ' + uncommitted changes in the shared working tree (other engineers work in it in parallel)' : ''}`,
  ];
}

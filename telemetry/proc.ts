import { readFile } from 'node:fs/promises';

/**
 * Raw counters of one Linux process from /proc/<pid>/{stat,status,io}. The parsers are pure (the
 * feature tests feed them hand-written files); `readProc` is the only I/O.
 */
export interface ProcCounters {
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  rssBytes: number;
  threads: number;
  voluntaryCtxt: number;
  involuntaryCtxt: number;
  /** Read and write system calls, and the bytes they moved (any file, socket or pipe). */
  syscr: number;
  syscw: number;
  rchar: number;
  wchar: number;
}

/** /proc/<pid>/stat: the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): { cpuTicks: number } {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`/proc stat: no ")" after the command name in "${text.slice(0, 60)}"`);
  // Fields after the name start at field 3 (state); utime is field 14, stime field 15.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('/proc stat: utime/stime are not numbers');
  return { cpuTicks: utime + stime };
}

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return out;
}

function numberField(kv: Map<string, string>, key: string, file: string): number {
  const raw = kv.get(key);
  const value = raw === undefined ? NaN : Number(raw.split(/\s+/)[0]);
  if (!Number.isFinite(value)) throw new Error(`/proc ${file}: field ${key} is missing or not a number`);
  return value;
}

export function parseStatus(text: string): Pick<ProcCounters, 'rssBytes' | 'threads' | 'voluntaryCtxt' | 'involuntaryCtxt'> {
  const kv = keyValues(text);
  return {
    rssBytes: numberField(kv, 'VmRSS', 'status') * 1024,
    threads: numberField(kv, 'Threads', 'status'),
    voluntaryCtxt: numberField(kv, 'voluntary_ctxt_switches', 'status'),
    involuntaryCtxt: numberField(kv, 'nonvoluntary_ctxt_switches', 'status'),
  };
}

export function parseIo(text: string): Pick<ProcCounters, 'syscr' | 'syscw' | 'rchar' | 'wchar'> {
  const kv = keyValues(text);
  return {
    syscr: numberField(kv, 'syscr', 'io'),
    syscw: numberField(kv, 'syscw', 'io'),
    rchar: numberField(kv, 'rchar', 'io'),
    wchar: numberField(kv, 'wchar', 'io'),
  };
}

/** Reads the three files of `pid`; throws when the process is gone (or io is not readable: another user's process). */
export async function readProc(pid: number, root = '/proc'): Promise<ProcCounters> {
  const dir = `${root}/${pid}`;
  const [stat, status, io] = await Promise.all([
    readFile(`${dir}/stat`, 'utf8'),
    readFile(`${dir}/status`, 'utf8'),
    readFile(`${dir}/io`, 'utf8'),
  ]);
  return { ...parseStat(stat), ...parseStatus(status), ...parseIo(io) };
}

/**
 * The signals of a fingerprint: one telemetry sample per member per tick (≥ 10 Hz), already
 * turned from counters into rates. Order matters: feature vectors list signals in this order.
 */
export const SIGNALS = [
  'cpuCores', // CPU time per second (1 = one core busy)
  'rssMiB',
  'threads',
  'ctxSwitchesPerSec', // voluntary + involuntary
  'readSyscallsPerSec',
  'writeSyscallsPerSec',
  'readKiBPerSec',
  'writeKiBPerSec',
  'requestsPerSec',
  'inFlight', // queue depth
  'eventLoopLagMs', // max lag since the previous scrape
  'gcMsPerSec',
] as const;
export type Signal = (typeof SIGNALS)[number];

export interface TelemetrySample extends Record<Signal, number> {
  /** Epoch ms of the reading. */
  t: number;
}

/** Signals divided by the request rate: what one request costs, whatever the load. */
export const PER_REQUEST: readonly Signal[] = ['cpuCores', 'ctxSwitchesPerSec', 'readSyscallsPerSec', 'writeSyscallsPerSec', 'readKiBPerSec', 'writeKiBPerSec', 'gcMsPerSec'];

/**
 * The resource each signal measures. Disk I/O alone has four signals (read and write syscalls and
 * bytes) that move together; counted signal by signal, an I/O-bound member differs from the rest in
 * four times as many columns as a CPU-bound one, and the largest principal axis (and the
 * silhouette's best split) becomes "I/O or not". The reducer weights columns so each family counts
 * once (fingerprints/reduce.ts).
 */
export const SIGNAL_FAMILY: Record<Signal, string> = {
  cpuCores: 'cpu',
  rssMiB: 'memory',
  gcMsPerSec: 'memory',
  threads: 'scheduling',
  ctxSwitchesPerSec: 'scheduling',
  readSyscallsPerSec: 'disk',
  writeSyscallsPerSec: 'disk',
  readKiBPerSec: 'disk',
  writeKiBPerSec: 'disk',
  requestsPerSec: 'requests',
  inFlight: 'requests',
  eventLoopLagMs: 'eventLoop',
};

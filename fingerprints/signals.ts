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

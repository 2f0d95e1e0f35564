/**
 * Fixed TCP ports of the integration tests that run real local pools (members listen on
 * basePort + i, the balancer on basePort − 1). Parallel vitest workers run different files at
 * once on one machine, so every file owns one block here and no two blocks overlap
 * (test/helpers/ports.test.ts checks that, and that no integration test hard-codes a port).
 * All blocks lie below the ephemeral range (32768+, where the dev server, PostgreSQL and every
 * `listen(0)` get their ports) and outside x000–x098, where pulumi-local's hashed default ports
 * (20001 + 1000 k) and their balancers live.
 */
export interface PortBlock {
  /** The test file (from the repository root) that owns the block. */
  file: string;
  first: number;
  last: number;
}

export const PORT_BLOCKS = {
  sagaPulumiLocal: { file: 'test/workflows/saga-pulumi-local.int.test.ts', first: 21_100, last: 21_399 },
  localPool: { file: 'test/pulumi/local-pool.int.test.ts', first: 23_100, last: 23_199 },
  provisioner: { file: 'test/pulumi/provisioner.int.test.ts', first: 23_300, last: 23_499 },
  workerCrash: { file: 'test/pulumi/worker-crash.int.test.ts', first: 23_500, last: 23_599 },
  s3Backend: { file: 'test/pulumi/s3-backend.int.test.ts', first: 23_600, last: 23_799 },
  twoHosts: { file: 'test/workflows/two-hosts.int.test.ts', first: 24_100, last: 24_199 },
  crashMatrix: { file: 'test/workflows/crash-matrix.int.test.ts', first: 24_600, last: 24_899 },
  localPoolSource: { file: 'test/metrics/local-pool-source.int.test.ts', first: 25_100, last: 25_199 },
  pulumiSecrets: { file: 'test/pulumi/secrets.int.test.ts', first: 25_300, last: 25_399 },
  tracing: { file: 'test/observability/tracing.int.test.ts', first: 25_500, last: 25_599 },
  fingerprintDecision: { file: 'test/fingerprints/decision.int.test.ts', first: 26_700, last: 26_799 },
  checkpointRepair: { file: 'test/pulumi/checkpoint-repair.int.test.ts', first: 28_300, last: 28_399 },
} satisfies Record<string, PortBlock>;

/** The first member port of pool `slot` (0, 1, …) of a block: 100 ports per pool, its balancer just below. */
export function poolPort(block: PortBlock, slot = 0): number {
  const port = block.first + 1 + slot * 100;
  if (port > block.last) throw new Error(`pool slot ${slot} lies outside ${block.file}'s ports ${block.first}–${block.last}`);
  return port;
}

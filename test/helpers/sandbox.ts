import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A throw-away kinetic.yaml + metrics CSV + state dir for one test. */
export interface Sandbox {
  dir: string;
  configPath: string;
  stateRoot: string;
  csv(name: string, values: Array<number | string>): string;
  /**
   * Writes kinetic.yaml; `top` adds top-level blocks (budgets, pricing, schedules). Tests that do
   * not test authentication run with `auth: { mode: unverified }` (typed identities, no roles);
   * pass `top.auth` to test it (an `auth: undefined` writes no auth block at all).
   */
  writeConfig(services: Record<string, Record<string, unknown>>, top?: Record<string, unknown>): string;
}

export function createSandbox(prefix = 'kinetic-test-'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sandbox: Sandbox = {
    dir,
    configPath: join(dir, 'kinetic.yaml'),
    stateRoot: join(dir, 'state'),
    csv(name, values) {
      const file = join(dir, `${name}.csv`);
      writeFileSync(file, ['value', ...values.map(String)].join('\n') + '\n');
      return file;
    },
    writeConfig(services, top = {}) {
      writeFileSync(sandbox.configPath, stringify({ version: 1, stateDir: 'state', auth: { mode: 'unverified' }, ...top, services }));
      return sandbox.configPath;
    },
  };
  return sandbox;
}

/** A service whose flat demand of `demand` plans `demand / (capacity × util)` instances. */
export function serviceConfig(csvPath: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metrics: { source: 'csv', path: csvPath, stepSeconds: 60, historyPoints: 100 },
    // A short explicit season keeps 30-point test series out of cold start (exact P90 on flat demand).
    seasons: [5],
    capacityPerInstance: 10,
    targetUtilization: 1,
    minInstances: 1,
    maxInstances: 20,
    leadTime: '2m',
    decisionInterval: '1m',
    cooldown: '0s',
    scaleInStabilization: '0s',
    maxStepChange: 10,
    approval: { autoApprove: { maxStepChange: 10 }, approvers: ['alice@example.com'], timeout: '30s' },
    budget: { monthly: 100000 },
    pricing: { hourlyPerInstance: 0.1 },
    provisioner: { type: 'dry-run', initialInstances: 2 },
    ...overrides,
  };
}

/** Flat demand: every point equals `level`. */
export function flat(level: number, n = 30): number[] {
  return Array.from({ length: n }, () => level);
}

/** Pools of a two-region tiered service: committed, spot and on-demand in us-east-1, on-demand in eu-west-1. */
export const TEST_POOLS = [
  { computeType: 'cpu', region: 'us-east-1', pricing: 'committed', min: 0, max: 2, hourlyPrice: 0.1 },
  { computeType: 'cpu', region: 'us-east-1', pricing: 'spot', max: 10, hourlyPrice: 0.06 },
  { computeType: 'cpu', region: 'us-east-1', pricing: 'on-demand', max: 10, hourlyPrice: 0.17 },
  { computeType: 'cpu', region: 'eu-west-1', pricing: 'on-demand', max: 10, hourlyPrice: 0.19 },
];

/** A tiered service: one compute type (10 req/s per instance) over TEST_POOLS, 75/25 across regions. */
export function tieredServiceConfig(csvPath: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return serviceConfig(csvPath, {
    capacity: { bufferQuantile: 'p90', buffer: { floor: 0.1, cap: 0.2 } },
    computeTypes: { cpu: { capacity: { requestsPerSecond: 10 }, instanceTypes: ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'] } },
    pools: TEST_POOLS,
    allocation: { maxSpotShare: 0.5, minSpotInstanceTypes: 2, regions: { 'us-east-1': { share: 0.75, min: 1 }, 'eu-west-1': { share: 0.25, min: 1 } } },
    ...overrides,
  });
}

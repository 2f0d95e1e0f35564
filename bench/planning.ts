/**
 * `npm run bench:planning`: time one tiered plan (demand → instances per compute type →
 * allocation over the pools) for a service with 3 regions × 3 compute types × 3 pricing models
 * (27 pools). The forecast changes every iteration (a deterministic daily wave), so the plans
 * differ; the result goes to bench/results/planning.json and BENCHMARKS.md. Target: < 5 ms per plan.
 * Usage: tsx bench/planning.ts [--iterations N] [--warmup N] [--repeats R] [--no-write]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { allocate, poolId, type AllocationResult, type PoolSpec, type Pricing } from '../planning/allocation';
import { DEFAULT_BUFFER, demandFromRequests, instancesNeededFor, type ComputeTypeSpec, type RequestMix } from '../planning/capacity-model';

const COMPUTE_TYPES: Array<ComputeTypeSpec & { instanceTypes: string[]; price: number }> = [
  { name: 'general', capacity: { requestsPerSecond: 120, cpu: 4, memoryMiB: 16384 }, instanceTypes: ['m5.xlarge', 'm6i.xlarge', 'm5a.xlarge', 'm7i.xlarge'], price: 0.192 },
  { name: 'compute', capacity: { requestsPerSecond: 160, cpu: 8, memoryMiB: 16384 }, instanceTypes: ['c5.2xlarge', 'c6i.2xlarge', 'c5a.2xlarge'], price: 0.34 },
  { name: 'memory', capacity: { requestsPerSecond: 100, cpu: 4, memoryMiB: 32768 }, instanceTypes: ['r5.xlarge', 'r6i.xlarge'], price: 0.252 },
];
const REGIONS = { 'eu-west-1': { share: 0.45, min: 2 }, 'us-east-1': { share: 0.4, min: 2 }, 'ap-southeast-1': { share: 0.15, min: 1 } };
const MIX: RequestMix = {
  shares: { read: 0.7, write: 0.25, report: 0.05 },
  perRequest: { read: { cpu: 0.02, memoryMiB: 40 }, write: { cpu: 0.04, memoryMiB: 60 }, report: { cpu: 0.2, memoryMiB: 400 } },
};
const PRICE_FACTOR: Record<Pricing, number> = { committed: 0.6, spot: 0.35, 'on-demand': 1 };

function pools(): PoolSpec[] {
  const out: PoolSpec[] = [];
  for (const t of COMPUTE_TYPES) {
    for (const region of Object.keys(REGIONS)) {
      for (const pricing of ['committed', 'spot', 'on-demand'] as Pricing[]) {
        out.push({
          id: poolId(t.name, region, pricing), computeType: t.name, region, pricing,
          instanceTypes: pricing === 'spot' ? t.instanceTypes : [t.instanceTypes[0]],
          min: 0, max: pricing === 'committed' ? 4 : 200, current: pricing === 'committed' ? 4 : 6,
          hourlyPrice: t.price * PRICE_FACTOR[pricing], interruptionRate: pricing === 'spot' ? 0.05 : 0,
        });
      }
    }
  }
  return out;
}

function plan(requestsP50: number, requestsP90: number, allPools: PoolSpec[]): AllocationResult {
  const demand = demandFromRequests(requestsP50, requestsP90, MIX);
  const need: Record<string, number> = {};
  for (const t of COMPUTE_TYPES) need[t.name] = instancesNeededFor(demand, t, { targetUtilization: 0.7, buffer: DEFAULT_BUFFER }).needed;
  return allocate({ need, pools: allPools, regions: REGIONS, maxSpotShare: 0.5, minSpotInstanceTypes: 3 });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function main(): void {
  const { values: flags } = parseArgs({
    options: { iterations: { type: 'string', default: '5000' }, repeats: { type: 'string', default: '5' }, warmup: { type: 'string', default: '500' }, 'no-write': { type: 'boolean' } },
  });
  const iterations = Number(flags.iterations);
  const warmup = Number(flags.warmup);
  const allPools = pools();
  const repeats = Math.max(1, Number(flags.repeats));
  const times: number[] = [];
  const bestTimes: number[] = [];
  const totals: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = -warmup; i < iterations; i++) {
    // A daily wave between ~1,000 and ~9,000 requests/s with a P90 6–30% above P50.
    const p50 = 5000 + 4000 * Math.sin((2 * Math.PI * i) / 288);
    const p90 = p50 * (1.06 + 0.24 * ((i * 7919) % 101) / 100);
    // The first timing is the plan as the saga runs it; the best of the repeats
    // is its cost without the scheduler and GC pauses a shared machine adds.
    let result: AllocationResult | undefined;
    let first = 0;
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      result = plan(p50, p90, allPools);
      const ms = performance.now() - t0;
      if (r === 0) first = ms;
      best = Math.min(best, ms);
    }
    if (i < 0 || !result) continue;
    times.push(first);
    bestTimes.push(best);
    totals.push(result.total);
    statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  }
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)), mean: round(xs.reduce((s, t) => s + t, 0) / xs.length), max: round(sorted[sorted.length - 1]) };
  };
  const summary = {
    benchmark: 'planning: demand → need per compute type → allocation (27 pools)',
    command: 'npm run bench:planning',
    measuredAt: new Date().toISOString(),
    node: process.version,
    iterations,
    warmup,
    pools: allPools.length,
    /** Load average over 1 minute when the run ended: other jobs share the 2 cores. */
    loadAverage1m: round(loadavg()[0]),
    repeats,
    ms: stats(times),
    msBestOfRepeats: stats(bestTimes),
    targetMs: 5,
    instances: { min: Math.min(...totals), max: Math.max(...totals) },
    statuses,
  };
  const line = (s: typeof summary.ms) => `p50 ${s.p50} ms, p99 ${s.p99} ms, mean ${s.mean} ms, max ${s.max} ms`;
  console.log(`planning (${allPools.length} pools, ${iterations} plans, load ${summary.loadAverage1m}): ${line(summary.ms)} (target < 5 ms)`);
  console.log(`best of ${repeats} per plan: ${line(summary.msBestOfRepeats)}`);
  console.log(`instances per plan ${summary.instances.min}–${summary.instances.max}; statuses ${JSON.stringify(statuses)}`);
  if (!flags['no-write']) {
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'planning.json'), JSON.stringify(summary, null, 2) + '\n');
    console.log(`wrote ${join(dir, 'planning.json')}`);
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

main();

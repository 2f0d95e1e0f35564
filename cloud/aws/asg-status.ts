/**
 * What Auto Scaling Groups really run, read through `DescribeAutoScalingGroups`: the verification
 * step of `pulumi-aws` waits until every group has its desired count of InService + Healthy
 * instances. EC2 Auto Scaling does not say per instance whether it is spot or on-demand; the split
 * reported here is the target that the group's InstancesDistribution implies.
 */
import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
  type InstancesDistribution,
} from '@aws-sdk/client-auto-scaling';
import { abortError, sleep } from '../abortable-sleep';

export interface GroupStatus {
  name: string;
  desired: number;
  minSize: number;
  maxSize: number;
  /** LifecycleState InService and HealthStatus Healthy: the instances that count. */
  inService: number;
  /** Pending, Pending:Wait, Pending:Proceed (still launching). */
  pending: number;
  /** InService but reported Unhealthy (about to be replaced). */
  unhealthy: number;
  /** Every other state (Terminating*, Detaching, Standby, Warmed:*…). */
  other: number;
  /** InService + Healthy instances per instance type. */
  byInstanceType: Record<string, number>;
  /** Target split implied by the MixedInstancesPolicy (undefined without one). */
  capacityTarget?: { onDemand: number; spot: number };
  /** Each instance that is not InService + Healthy: "<id> <type> <state>/<health>". */
  notReady: string[];
}

/** On-demand above the base is rounded up, as EC2 Auto Scaling does. */
export function capacityTarget(desired: number, d: InstancesDistribution | undefined): { onDemand: number; spot: number } | undefined {
  if (!d) return undefined;
  const base = Math.min(desired, d.OnDemandBaseCapacity ?? 0);
  const above = desired - base;
  const onDemand = base + Math.ceil((above * (d.OnDemandPercentageAboveBaseCapacity ?? 100)) / 100);
  return { onDemand, spot: desired - onDemand };
}

function statusOf(g: AutoScalingGroup): GroupStatus {
  const s: GroupStatus = {
    name: g.AutoScalingGroupName ?? '',
    desired: g.DesiredCapacity ?? 0,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    inService: 0,
    pending: 0,
    unhealthy: 0,
    other: 0,
    byInstanceType: {},
    capacityTarget: capacityTarget(g.DesiredCapacity ?? 0, g.MixedInstancesPolicy?.InstancesDistribution),
    notReady: [],
  };
  for (const i of g.Instances ?? []) {
    const state = String(i.LifecycleState ?? 'unknown');
    const health = i.HealthStatus ?? 'unknown';
    if (state === 'InService' && health === 'Healthy') {
      s.inService++;
      const type = i.InstanceType ?? 'unknown';
      s.byInstanceType[type] = (s.byInstanceType[type] ?? 0) + 1;
      continue;
    }
    if (state.startsWith('Pending')) s.pending++;
    else if (state === 'InService') s.unhealthy++;
    else s.other++;
    s.notReady.push(`${i.InstanceId} ${i.InstanceType ?? '?'} ${state}/${health}`);
  }
  return s;
}

/** Status of the named groups (all pages); groups that do not exist are absent from the result. */
export async function describeGroups(client: AutoScalingClient, names: string[], opts: { signal?: AbortSignal } = {}): Promise<Record<string, GroupStatus>> {
  const out: Record<string, GroupStatus> = {};
  if (names.length === 0) return out;
  let token: string | undefined;
  do {
    const page = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names, NextToken: token }), {
      abortSignal: opts.signal,
    });
    for (const g of page.AutoScalingGroups ?? []) {
      const s = statusOf(g);
      out[s.name] = s;
    }
    token = page.NextToken;
  } while (token);
  return out;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Poll interval (default 15 s: the DescribeAutoScalingGroups quota is shared by the account). */
  pollMs?: number;
  heartbeat?: (details: unknown) => void;
  signal?: AbortSignal;
}

export interface InServiceResult {
  ok: boolean;
  expected: number;
  healthy: number;
  /** One line per group short of its expected count (or missing, or an API error). */
  reasons: string[];
  groups: Record<string, GroupStatus>;
  polls: number;
}

function shortfalls(expected: Record<string, number>, groups: Record<string, GroupStatus>): string[] {
  const reasons: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const g = groups[name];
    if (!g) {
      reasons.push(`group ${name}: not found (expected ${want} InService)`);
      continue;
    }
    if (g.inService >= want && g.desired === want) continue;
    const parts = [`${g.inService}/${want} InService+Healthy`];
    if (g.desired !== want) parts.push(`desired capacity is ${g.desired}`);
    if (g.pending) parts.push(`${g.pending} pending`);
    if (g.unhealthy) parts.push(`${g.unhealthy} unhealthy`);
    if (g.other) parts.push(`${g.other} other`);
    reasons.push(`group ${name}: ${parts.join(', ')}${g.notReady.length ? ` [${g.notReady.join('; ')}]` : ''}`);
  }
  return reasons;
}

/**
 * Polls until every group has `expected[name]` InService + Healthy instances and that desired
 * capacity, or the timeout passes. API errors (throttling after the SDK's own retries, say) are
 * retried at the next poll and reported if the deadline passes without a good answer.
 */
export async function waitForInService(client: AutoScalingClient, expected: Record<string, number>, opts: WaitOptions): Promise<InServiceResult> {
  const pollMs = opts.pollMs ?? 15_000;
  const deadline = Date.now() + opts.timeoutMs;
  const names = Object.keys(expected);
  const want = Object.values(expected).reduce((a, b) => a + b, 0);
  let groups: Record<string, GroupStatus> = {};
  let reasons: string[] = [];
  let polls = 0;
  for (;;) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    polls++;
    try {
      groups = await describeGroups(client, names, { signal: opts.signal });
      reasons = shortfalls(expected, groups);
    } catch (err) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const e = err as Error;
      reasons = [`DescribeAutoScalingGroups failed: ${e.name}: ${e.message}`];
    }
    const healthy = names.reduce((a, n) => a + Math.min(groups[n]?.inService ?? 0, expected[n]), 0);
    opts.heartbeat?.({ op: 'verify', healthy, expected: want, polls });
    if (reasons.length === 0 || Date.now() + pollMs > deadline) {
      return { ok: reasons.length === 0, expected: want, healthy, reasons, groups, polls };
    }
    await sleep(pollMs, opts.signal);
  }
}

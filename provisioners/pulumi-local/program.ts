/**
 * The inline Pulumi program of one service stack: one `LocalPool` per tier plus (optionally) one
 * `LocalLoadBalancer`. Everything it needs comes from stack config, so `rollback` is just "set the
 * previous config and `up` again" (the provisioner also bakes the same values into the program
 * closure of each run, see `serviceProgram`):
 *   kinetic:tiers  JSON {tier: replicas}   (the complete desired set; a tier absent here is deleted)
 *   kinetic:spec   JSON ResolvedServiceSpec without env (command, ports, paths; written by the provisioner)
 *   kinetic:env    JSON member env, a secret (encrypted in Pulumi.<stack>.yaml and in the state)
 *   kinetic:decisionId                      (the decision that wrote this config; an output)
 */
import * as pulumi from '@pulumi/pulumi';
import { LocalLoadBalancer, LocalPool } from '../../pulumi/local-pool';

export interface ResolvedServiceSpec {
  service: string;
  command: string[];
  env: Record<string, string>;
  healthPath: string;
  host: string;
  /** First port of tier slot 0; tier slot k uses [basePort + k*portsPerTier, ...). */
  basePort: number;
  portsPerTier: number;
  /** Tier order for port blocks; unknown tiers follow in sorted order. */
  tierOrder: string[];
  /** Absolute `<rootDir>/pools/<service>`. */
  stateDir: string;
  drainMs: number;
  graceMs: number;
  startTimeoutMs: number;
  loadBalancer: { port: number; command: string[] } | null;
}

export function tierSlots(spec: ResolvedServiceSpec, tiers: string[]): Record<string, number> {
  const ordered = [...spec.tierOrder, ...tiers.filter((t) => !spec.tierOrder.includes(t)).sort()];
  return Object.fromEntries(ordered.map((t, i) => [t, i]));
}

/**
 * The program. With `desired`, the plan is baked into the closure (what `apply`/`preview` pass to
 * `up`/`preview`, so a concurrent writer of the stack config cannot change what this run deploys);
 * without it, the program reads the stack config (the record written by the last apply).
 */
export function serviceProgram(desired?: {
  tiers: Record<string, number>;
  spec: ResolvedServiceSpec;
  decisionId: string;
}): () => Promise<Record<string, unknown>> {
  return async () => {
    const cfg = new pulumi.Config('kinetic');
    const tiers = desired?.tiers ?? cfg.requireObject<Record<string, number>>('tiers');
    const spec = desired?.spec ?? cfg.requireObject<ResolvedServiceSpec>('spec');
    // Member env is a secret (tokens, passwords): an encrypted stack config value, an encrypted
    // input and output in the state. Stacks written before kept it in `kinetic:spec`.
    const env: pulumi.Input<Record<string, string>> = desired ? pulumi.secret(spec.env ?? {}) : (cfg.getSecretObject<Record<string, string>>('env') ?? pulumi.secret(spec.env ?? {}));
    const decisionId = desired?.decisionId ?? cfg.get('decisionId') ?? '';
    const names = Object.keys(tiers).sort();
    const slots = tierSlots(spec, names);
    const pools: Record<string, pulumi.Output<unknown>> = {};
    for (const tier of names) {
      const pool = new LocalPool(`pool-${tier}`, {
        service: spec.service,
        tier,
        replicas: tiers[tier],
        command: spec.command,
        env,
        basePort: spec.basePort + slots[tier] * spec.portsPerTier,
        healthPath: spec.healthPath,
        host: spec.host,
        stateDir: spec.stateDir,
        drainMs: spec.drainMs,
        graceMs: spec.graceMs,
        startTimeoutMs: spec.startTimeoutMs,
      }, { additionalSecretOutputs: ['env'] });
      pools[tier] = pulumi.all([pool.replicas, pool.members, pool.membersFile, pool.basePort]).apply(
        ([replicas, members, membersFile, basePort]) => ({ replicas, members, membersFile, basePort }),
      );
    }
    let lb: pulumi.Output<unknown> | undefined;
    if (spec.loadBalancer && names.length > 0) {
      const res = new LocalLoadBalancer('lb', {
        service: spec.service,
        port: spec.loadBalancer.port,
        host: spec.host,
        command: spec.loadBalancer.command,
        membersDir: `${spec.stateDir}/members`,
        stateDir: spec.stateDir,
        healthPath: spec.healthPath,
      });
      lb = pulumi.all([res.url, res.pid, res.port]).apply(([url, pid, port]) => ({ url, pid, port }));
    }
    return { service: spec.service, decisionId, pools, loadBalancer: lb ?? null };
  };
}

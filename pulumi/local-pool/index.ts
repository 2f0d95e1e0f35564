/**
 * `LocalPool` and `LocalLoadBalancer`: Pulumi dynamic resources whose create / update / delete
 * start and stop real detached OS processes on this machine, and whose read (refresh) and diff
 * notice members that died.
 *
 * How the provider reaches the engine: `pulumi.dynamic.Resource` serializes the provider object
 * with Pulumi's closure serializer into the `__provider` input; the engine then runs the
 * `pulumi-resource-pulumi-nodejs` plugin (a separate node process) which evaluates that text. To
 * keep the serialized closure tiny and free of transpiler helpers (tsx / vitest rewrite this file),
 * every method only captures one string, the absolute path of `runtime.js`, and `require()`s it
 * inside the function body. All logic lives in that plain CommonJS file.
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';

/** Absolute path of the plain-JS runtime loaded by the provider process. */
export const LOCAL_POOL_RUNTIME = path.join(__dirname, 'runtime.js');

export interface PoolMember {
  /** `<tier>-<index>`. */
  id: string;
  index: number;
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart: string;
  port: number;
  host: string;
  /** ISO time when the provider started the member. */
  startedAt: string;
  logFile: string;
}

export interface LocalPoolArgs {
  service: pulumi.Input<string>;
  tier: pulumi.Input<string>;
  replicas: pulumi.Input<number>;
  /** argv of one member; `node` as argv[0] means the node running the provider. */
  command: pulumi.Input<pulumi.Input<string>[]>;
  /** Member `i` listens on `basePort + i` (the first free slot), with `PORT`/`HOST` in its env. */
  basePort: pulumi.Input<number>;
  /** Absolute directory for logs and the membership file (`members/<tier>.json`). */
  stateDir: pulumi.Input<string>;
  healthPath?: pulumi.Input<string>;
  host?: pulumi.Input<string>;
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Time between removing a member from the membership file and SIGTERM (default 600 ms). */
  drainMs?: pulumi.Input<number>;
  /** Time between SIGTERM and SIGKILL (default 5000 ms). */
  graceMs?: pulumi.Input<number>;
  /** A member must accept TCP connections within this time (default 15000 ms). */
  startTimeoutMs?: pulumi.Input<number>;
}

export interface LocalLoadBalancerArgs {
  service: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Directory of membership files written by the pools (`<stateDir>/members`). */
  membersDir: pulumi.Input<string>;
  stateDir: pulumi.Input<string>;
  /** argv of the balancer; flags --port --host --members-dir --health-path --service are appended. */
  command: pulumi.Input<pulumi.Input<string>[]>;
  healthPath?: pulumi.Input<string>;
  host?: pulumi.Input<string>;
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

type Kind = 'pool' | 'lb';

/**
 * Builds a dynamic provider whose methods delegate to `runtime.js`. Only `runtimePath` and `kind`
 * are captured (strings), and `require` is resolved by the plugin process at call time.
 */
export function makeProvider(kind: Kind, runtimePath: string = LOCAL_POOL_RUNTIME): pulumi.dynamic.ResourceProvider {
  return {
    check(olds, news) {
      return Promise.resolve(require(runtimePath)[kind].check(olds, news));
    },
    diff(id, olds, news) {
      return Promise.resolve(require(runtimePath)[kind].diff(id, olds, news));
    },
    create(inputs) {
      return require(runtimePath)[kind].create(inputs);
    },
    read(id, props) {
      return require(runtimePath)[kind].read(id, props);
    },
    update(id, olds, news) {
      return require(runtimePath)[kind].update(id, olds, news);
    },
    delete(id, props) {
      return require(runtimePath)[kind].delete(id, props);
    },
  };
}

let poolProvider: pulumi.dynamic.ResourceProvider | undefined;
let lbProvider: pulumi.dynamic.ResourceProvider | undefined;

export class LocalPool extends pulumi.dynamic.Resource {
  declare readonly service: pulumi.Output<string>;
  declare readonly tier: pulumi.Output<string>;
  declare readonly replicas: pulumi.Output<number>;
  declare readonly basePort: pulumi.Output<number>;
  declare readonly healthPath: pulumi.Output<string>;
  declare readonly members: pulumi.Output<PoolMember[]>;
  declare readonly liveCount: pulumi.Output<number>;
  declare readonly membersFile: pulumi.Output<string>;
  declare readonly logDir: pulumi.Output<string>;
  declare readonly deadMembers: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: LocalPoolArgs, opts?: pulumi.CustomResourceOptions) {
    poolProvider ??= makeProvider('pool');
    super(
      poolProvider,
      name,
      {
        ...args,
        members: undefined,
        liveCount: undefined,
        membersFile: undefined,
        logDir: undefined,
        deadMembers: undefined,
      },
      opts,
      'kinetic',
      'LocalPool',
    );
  }
}

export class LocalLoadBalancer extends pulumi.dynamic.Resource {
  declare readonly port: pulumi.Output<number>;
  declare readonly pid: pulumi.Output<number>;
  declare readonly url: pulumi.Output<string>;
  declare readonly logFile: pulumi.Output<string>;

  constructor(name: string, args: LocalLoadBalancerArgs, opts?: pulumi.CustomResourceOptions) {
    lbProvider ??= makeProvider('lb');
    super(lbProvider, name, { ...args, pid: undefined, url: undefined, logFile: undefined }, opts, 'kinetic', 'LocalLoadBalancer');
  }
}

/** Paths of the bundled example programs. */
export const EXAMPLES = {
  sampleService: path.resolve(__dirname, '..', '..', 'examples', 'sample-service', 'server.js'),
  loadBalancer: path.resolve(__dirname, '..', '..', 'examples', 'load-balancer', 'lb.js'),
};

#!/usr/bin/env node
/**
 * Resolves (and builds when missing) the native tools Kinetic runs: the `temporal` CLI (dev server),
 * the `pulumi` CLI, `local-kms` (a KMS-compatible server the encryption tests use), `jaeger` (the
 * OpenTelemetry receiver and trace store the tracing test reads traces back from) and the Kubernetes
 * test cluster's control plane, kwok and Pulumi provider; and, for the tests, the system packages
 * Prometheus, Chromium, etcd and PostgreSQL (scripts/system-packages.js). Idempotent
 * and fast when already built. Never downloads a binary: tools come from KINETIC_*_BIN, PATH, or
 * are compiled from Go modules into the git-ignored tools folder.
 * Writes the resolved paths to <tools>/toolchain.json for the CLI and the tests.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureSystemPackages } = require('./system-packages');

const ROOT = path.resolve(__dirname, '..');
// As config/tools.ts: an installed package keeps its tools under KINETIC_HOME (default ~/.kinetic).
const INSTALLED = ROOT.split(path.sep).includes('node_modules');
const HOME = process.env.KINETIC_HOME ? path.resolve(process.env.KINETIC_HOME) : path.join(require('node:os').homedir(), '.kinetic');
const TOOLS = process.env.KINETIC_TOOLS_DIR ? path.resolve(process.env.KINETIC_TOOLS_DIR) : INSTALLED ? path.join(HOME, 'tools') : path.join(ROOT, '.tools');
const BIN = path.join(TOOLS, 'bin');
const TEMPORAL_VERSION = 'v1.5.1';
// A KMS-compatible server for the envelope-encryption tests (no AWS account needed).
const LOCAL_KMS_MODULE = 'github.com/nsmithuk/local-kms';
const LOCAL_KMS_VERSION = 'v0.0.0-20260228092603-2a5e92d09ab6';
// Jaeger (v2: an OpenTelemetry Collector distribution with an in-memory trace store and query API).
const JAEGER_MODULE = 'github.com/jaegertracing/jaeger';
const JAEGER_VERSION = 'v1.76.0';
const PULUMI_VERSION = require(require.resolve('@pulumi/pulumi/package.json', { paths: [ROOT] })).version;
// The Kubernetes control plane of the test cluster: tools/kubernetes/go.mod pins k8s.io/kubernetes and its staging modules.
const KUBERNETES_VERSION = 'v1.37.2';
const KUBERNETES_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
// Simulated nodes and kubelets (pods become Ready without a container runtime).
const KWOK_VERSION = 'v0.8.0';
// The Pulumi Kubernetes provider: the newest provider/v4 source the module proxy serves here, stamped with
// the version @pulumi/kubernetes asks the engine for (its package.json), so the engine takes it as that plugin.
const PULUMI_KUBERNETES_MODULE = 'github.com/pulumi/pulumi-kubernetes/provider/v4';
const PULUMI_KUBERNETES_SOURCE = 'v4.0.0-20260115033456-f47bc2d6f199';
// provider/v4's go.mod replaces sdk/v4 with ../sdk (its repo); outside the repo, the release it requires.
const PULUMI_KUBERNETES_SDK = 'v4.24.0';

function log(msg) {
  process.stderr.write(`[toolchain] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[toolchain] ERROR: ${msg}\n`);
  process.exit(1);
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (!candidate.startsWith(BIN)) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** KINETIC_GO picks a Go toolchain explicitly; otherwise PATH, then the usual install places. */
function goBinary() {
  if (process.env.KINETIC_GO) return fs.existsSync(process.env.KINETIC_GO) ? process.env.KINETIC_GO : undefined;
  return onPath('go') || ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => fs.existsSync(p));
}

function stampOk(file, want) {
  try {
    return fs.readFileSync(`${file}.version`, 'utf8').trim() === want && fs.existsSync(file);
  } catch {
    return false;
  }
}

function runGo(go, args, cwd, extraEnv) {
  log(`${path.basename(go)} ${args.join(' ')}  (first build takes several minutes; later runs reuse it)`);
  const res = spawnSync(go, args, { cwd, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (res.status !== 0) fail(`go ${args[0]} failed (exit ${res.status}); see the output above`);
}

const MISSING_GO =
  'install Go >= 1.25 (https://go.dev/dl, or Debian: apt-get install golang-go) so the tools can be built from Go modules, ' +
  'or point KINETIC_TEMPORAL_BIN / KINETIC_PULUMI_BIN at existing binaries';

function resolveTemporal() {
  if (process.env.KINETIC_TEMPORAL_BIN) {
    if (!fs.existsSync(process.env.KINETIC_TEMPORAL_BIN)) fail(`KINETIC_TEMPORAL_BIN=${process.env.KINETIC_TEMPORAL_BIN} does not exist`);
    return process.env.KINETIC_TEMPORAL_BIN;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const target = path.join(BIN, 'temporal');
  if (stampOk(target, TEMPORAL_VERSION)) return target;
  const go = goBinary();
  if (!go) fail(`no temporal CLI found and no Go toolchain to build it: ${MISSING_GO}`);
  fs.mkdirSync(BIN, { recursive: true });
  runGo(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_VERSION}`], ROOT, { GOBIN: BIN, GOFLAGS: '-mod=mod' });
  fs.writeFileSync(`${target}.version`, TEMPORAL_VERSION);
  return target;
}

function resolveLocalKms() {
  if (process.env.KINETIC_LOCAL_KMS_BIN) {
    if (!fs.existsSync(process.env.KINETIC_LOCAL_KMS_BIN)) fail(`KINETIC_LOCAL_KMS_BIN=${process.env.KINETIC_LOCAL_KMS_BIN} does not exist`);
    return process.env.KINETIC_LOCAL_KMS_BIN;
  }
  const target = path.join(BIN, 'local-kms');
  if (stampOk(target, LOCAL_KMS_VERSION)) return target;
  const go = goBinary();
  if (!go) fail(`no local-kms found and no Go toolchain to build it: ${MISSING_GO}`);
  fs.mkdirSync(BIN, { recursive: true });
  runGo(go, ['install', `${LOCAL_KMS_MODULE}@${LOCAL_KMS_VERSION}`], ROOT, { GOBIN: BIN, GOFLAGS: '-mod=mod' });
  fs.writeFileSync(`${target}.version`, LOCAL_KMS_VERSION);
  return target;
}

function resolveJaeger() {
  if (process.env.KINETIC_JAEGER_BIN) {
    if (!fs.existsSync(process.env.KINETIC_JAEGER_BIN)) fail(`KINETIC_JAEGER_BIN=${process.env.KINETIC_JAEGER_BIN} does not exist`);
    return process.env.KINETIC_JAEGER_BIN;
  }
  const target = path.join(BIN, 'jaeger');
  if (stampOk(target, JAEGER_VERSION)) return target;
  const go = goBinary();
  if (!go) fail(`no jaeger found and no Go toolchain to build it: ${MISSING_GO}`);
  fs.mkdirSync(BIN, { recursive: true });
  // The tools module pins the Jaeger module (`go get -tool …/cmd/jaeger@v1.76.0`) and all its dependencies.
  const mod = path.join(ROOT, 'tools', 'jaeger');
  const pinned = fs.readFileSync(path.join(mod, 'go.mod'), 'utf8').includes(`${JAEGER_MODULE} ${JAEGER_VERSION}`);
  if (!pinned) fail(`tools/jaeger/go.mod does not pin ${JAEGER_MODULE} ${JAEGER_VERSION}; update it`);
  runGo(go, ['build', '-trimpath', '-o', target, `${JAEGER_MODULE}/cmd/jaeger`], mod, { GOFLAGS: '-mod=mod' });
  fs.writeFileSync(`${target}.version`, JAEGER_VERSION);
  return target;
}

function pulumiVersionOf(bin) {
  try {
    return execFileSync(bin, ['version'], { encoding: 'utf8', env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: 'true' } }).trim();
  } catch {
    return '';
  }
}

function resolvePulumi() {
  const want = `v${PULUMI_VERSION}`;
  if (process.env.KINETIC_PULUMI_BIN) {
    if (!fs.existsSync(process.env.KINETIC_PULUMI_BIN)) fail(`KINETIC_PULUMI_BIN=${process.env.KINETIC_PULUMI_BIN} does not exist`);
    return process.env.KINETIC_PULUMI_BIN;
  }
  const fromPath = onPath('pulumi');
  if (fromPath && pulumiVersionOf(fromPath) === want) return fromPath;
  const target = path.join(BIN, 'pulumi');
  if (!stampOk(target, want)) {
    const go = goBinary();
    if (!go) fail(`no pulumi CLI ${want} found and no Go toolchain to build it: ${MISSING_GO}`);
    fs.mkdirSync(BIN, { recursive: true });
    // The tools module pins pkg/v3 and sdk/v3 at this version (pkg's own go.mod has `replace ../sdk`).
    const mod = path.join(ROOT, 'tools', 'pulumi-cli');
    const pinned = fs.readFileSync(path.join(mod, 'go.mod'), 'utf8').includes(`github.com/pulumi/pulumi/pkg/v3 ${want}`);
    if (!pinned) fail(`tools/pulumi-cli/go.mod does not pin github.com/pulumi/pulumi/pkg/v3 ${want} (the @pulumi/pulumi version); update it`);
    runGo(
      go,
      ['build', '-trimpath', '-tags', 'osusergo,grpcnotrace', '-ldflags', `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${want}`, '-o', target, 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi'],
      mod,
      { GONOSUMDB: 'github.com/pulumi/pulumi', GOFLAGS: '-mod=mod' },
    );
    const got = pulumiVersionOf(target);
    if (got !== want) fail(`built pulumi reports "${got}", expected ${want}`);
    fs.writeFileSync(`${target}.version`, want);
  }
  // Dynamic providers run through this shim; the engine finds bundled plugins next to the binary.
  const shim = path.join(path.dirname(target), 'pulumi-resource-pulumi-nodejs');
  const shimSource = path.join(ROOT, 'node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs');
  if (fs.existsSync(shimSource) && !fs.existsSync(shim)) fs.symlinkSync(shimSource, shim);
  return target;
}

function resolveKubernetes() {
  const targets = KUBERNETES_COMMANDS.map((c) => path.join(BIN, c));
  if (targets.every((t) => stampOk(t, KUBERNETES_VERSION))) return Object.fromEntries(KUBERNETES_COMMANDS.map((c, i) => [c, targets[i]]));
  const go = goBinary();
  if (!go) fail(`no Kubernetes control plane built and no Go toolchain to build it: ${MISSING_GO}`);
  const mod = path.join(ROOT, 'tools', 'kubernetes');
  if (!fs.readFileSync(path.join(mod, 'go.mod'), 'utf8').includes(`k8s.io/kubernetes ${KUBERNETES_VERSION}`)) {
    fail(`tools/kubernetes/go.mod does not pin k8s.io/kubernetes ${KUBERNETES_VERSION}; update it`);
  }
  fs.mkdirSync(BIN, { recursive: true });
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const v = 'k8s.io/component-base/version';
  runGo(
    go,
    ['build', '-trimpath', '-ldflags', `-X ${v}.gitVersion=${KUBERNETES_VERSION} -X ${v}.gitMajor=${major} -X ${v}.gitMinor=${minor}`, '-o', BIN + path.sep, ...KUBERNETES_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)],
    mod,
    { GOFLAGS: '-mod=mod' },
  );
  for (const t of targets) fs.writeFileSync(`${t}.version`, KUBERNETES_VERSION);
  return Object.fromEntries(KUBERNETES_COMMANDS.map((c, i) => [c, targets[i]]));
}

// kwok's own "fast" stages (nodes initialise, pods become Ready at once, deleted pods go) plus node heartbeats.
const KWOK_STAGES = ['node/fast/node-initialize.yaml', 'node/heartbeat/node-heartbeat.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];

/** kwok, and `<tools>/kwok-stages.yaml`, the stage config the test cluster runs it with (from the same release). */
function resolveKwok() {
  const target = path.join(BIN, 'kwok');
  const stages = path.join(TOOLS, 'kwok-stages.yaml');
  if (stampOk(target, KWOK_VERSION) && fs.existsSync(stages)) return { kwok: target, 'kwok-stages': stages };
  const go = goBinary();
  if (!go) fail(`no kwok found and no Go toolchain to build it: ${MISSING_GO}`);
  fs.mkdirSync(BIN, { recursive: true });
  runGo(go, ['install', '-trimpath', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`], ROOT, { GOBIN: BIN, GOFLAGS: '-mod=mod' });
  const dir = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], { cwd: ROOT, encoding: 'utf8' })).Dir;
  fs.writeFileSync(stages, KWOK_STAGES.map((f) => fs.readFileSync(path.join(dir, 'kustomize', 'stage', f), 'utf8')).join('\n---\n'));
  fs.writeFileSync(`${target}.version`, KWOK_VERSION);
  return { kwok: target, 'kwok-stages': stages };
}

/** etcd is not built here: Debian ships it (`apt-get install etcd-server`). Undefined when absent; the cluster helper says how. */
function resolveEtcd() {
  if (process.env.KINETIC_ETCD_BIN) return fs.existsSync(process.env.KINETIC_ETCD_BIN) ? process.env.KINETIC_ETCD_BIN : fail(`KINETIC_ETCD_BIN=${process.env.KINETIC_ETCD_BIN} does not exist`);
  const found = onPath('etcd');
  if (!found) log('etcd not found: the Kubernetes tests need it (Debian: apt-get install etcd-server, or set KINETIC_ETCD_BIN)');
  return found;
}

/** `pulumi-resource-kubernetes` beside the CLI, where the engine finds bundled plugins without a download. */
function resolvePulumiKubernetes() {
  const want = require(require.resolve('@pulumi/kubernetes/package.json', { paths: [ROOT] })).version;
  const target = path.join(BIN, 'pulumi-resource-kubernetes');
  const stamp = `${want} from ${PULUMI_KUBERNETES_SOURCE}`;
  if (stampOk(target, stamp)) return target;
  const go = goBinary();
  if (!go) fail(`no pulumi-resource-kubernetes found and no Go toolchain to build it: ${MISSING_GO}`);
  // The module's main package embeds files its generate.go writes, so it is built from a writable copy.
  const src = path.join(TOOLS, 'src', 'pulumi-kubernetes-provider');
  const dl = JSON.parse(execFileSync(go, ['mod', 'download', '-json', `${PULUMI_KUBERNETES_MODULE}@${PULUMI_KUBERNETES_SOURCE}`], { cwd: ROOT, encoding: 'utf8' }));
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(src), { recursive: true });
  fs.cpSync(dl.Dir, src, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', src]);
  const gomod = path.join(src, 'go.mod');
  const sdk = 'github.com/pulumi/pulumi-kubernetes/sdk/v4';
  fs.writeFileSync(gomod, fs.readFileSync(gomod, 'utf8').replace(`replace ${sdk} => ../sdk`, `replace ${sdk} => ${sdk} ${PULUMI_KUBERNETES_SDK}`));
  const cmd = path.join(src, 'cmd', 'pulumi-resource-kubernetes');
  runGo(go, ['run', 'generate.go'], cmd, { VERSION: want, GOFLAGS: '-mod=mod' });
  fs.mkdirSync(BIN, { recursive: true });
  runGo(go, ['build', '-trimpath', '-ldflags', `-X ${PULUMI_KUBERNETES_MODULE}/pkg/version.Version=${want}`, '-o', target, './cmd/pulumi-resource-kubernetes'], src, { GOFLAGS: '-mod=mod' });
  fs.writeFileSync(`${target}.version`, stamp);
  return target;
}

function main() {
  const started = Date.now();
  // `system` (npm test asks for it): Prometheus, Chromium, PostgreSQL and etcd (scripts/system-packages.js).
  // `jaeger` and the Kubernetes tools take minutes to build the first time; KINETIC_TOOLS picks fewer.
  const wants = (process.env.KINETIC_TOOLS || 'temporal,pulumi,local-kms,jaeger,kubernetes,pulumi-kubernetes').split(',');
  if (wants.includes('system')) log(`system packages: ${ensureSystemPackages({ log, fail }).join(', ')} present`);
  const out = {};
  if (wants.includes('temporal')) out.temporal = resolveTemporal();
  if (wants.includes('pulumi')) out.pulumi = resolvePulumi();
  if (wants.includes('local-kms')) out['local-kms'] = resolveLocalKms();
  // `kubernetes` = the test cluster: etcd (from the system), the control plane and kwok.
  if (wants.includes('kubernetes')) {
    Object.assign(out, resolveKubernetes(), resolveKwok());
    const etcd = resolveEtcd();
    if (etcd) out.etcd = etcd;
  }
  if (wants.includes('pulumi-kubernetes')) out['pulumi-resource-kubernetes'] = resolvePulumiKubernetes();
  if (wants.includes('jaeger')) out.jaeger = resolveJaeger();
  fs.mkdirSync(TOOLS, { recursive: true });
  const file = path.join(TOOLS, 'toolchain.json');
  let prev = {};
  try {
    prev = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    /* first run */
  }
  fs.writeFileSync(file, JSON.stringify({ ...prev, ...out }, null, 2));
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s: ${Object.entries(out).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

main();

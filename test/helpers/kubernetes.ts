import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from '../../config/tools';
import { freeLoopbackPort } from '../../net/free-port';
import { KubeApi } from '../../provisioners/pulumi-kubernetes/api';
import { loadClusterAccess } from '../../provisioners/pulumi-kubernetes/kubeconfig';

/**
 * A real Kubernetes control plane for tests: etcd (Debian's etcd-server), kube-apiserver,
 * kube-controller-manager and kube-scheduler (built from k8s.io/kubernetes by scripts/toolchain.js),
 * and kwok simulating one node's kubelet so pods become Ready. Everything on free loopback ports in
 * a temporary directory: a CA, the API server's serving certificate, an admin client certificate
 * (system:masters) and the service-account key pair are made here with openssl.
 * `startCluster()` in beforeAll, `close()` in afterAll (and at process exit).
 */
export interface TestCluster {
  /** Kubeconfig with inline credentials, context "kinetic-test". */
  kubeconfig: string;
  api: KubeApi;
  dir: string;
  /** How long the start took (etcd up to the node Ready). */
  startMs: number;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** The simulated node's allocatable CPU and memory (default 8 cores, 32Gi). */
  nodeCpu?: string;
  nodeMemory?: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCerts(dir: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kinetic-test-ca']);
  const signed = (name: string, subj: string, ext?: string) => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
    if (ext) writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(ext ? ['-extfile', `${name}.ext`] : [])]);
  };
  signed('apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
  signed('admin', '/O=system:masters/CN=kinetic-admin', 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function kubeconfigText(dir: string, port: number): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: kinetic-test',
    'clusters:',
    `- name: kinetic-test\n  cluster:\n    server: https://127.0.0.1:${port}\n    certificate-authority-data: ${b64('ca.crt')}`,
    'users:',
    `- name: admin\n  user:\n    client-certificate-data: ${b64('admin.crt')}\n    client-key-data: ${b64('admin.key')}`,
    'contexts:',
    '- name: kinetic-test\n  context:\n    cluster: kinetic-test\n    user: admin',
    '',
  ].join('\n');
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, logs: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`test cluster: ${what} not ready in ${timeoutMs} ms (${String(last ?? '')})\n${logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-k8s-'));
  makeCerts(dir);
  const [etcdPort, peerPort, apiPort, cmPort, schedPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, () => freeLoopbackPort()));
  const procs: ChildProcess[] = [];
  const logFiles: string[] = [];
  const run = (name: string, bin: string, args: string[]) => {
    const log = join(dir, `${name}.log`);
    logFiles.push(log);
    const fd = openSync(log, 'a');
    const p = spawn(bin, args, { cwd: dir, stdio: ['ignore', fd, fd] });
    procs.push(p);
    return p;
  };
  const tail = () => logFiles.map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    process.off('exit', onExit);
    // Everything goes at once; whatever is still up after 5 s (the API server waits on etcd) is killed.
    const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)));
    for (const p of procs) p.kill('SIGTERM');
    const timer = setTimeout(() => procs.forEach((p) => p.kill('SIGKILL')), 5_000);
    await Promise.all(procs.map(exited));
    clearTimeout(timer);
    api?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => procs.forEach((p) => p.kill('SIGKILL'));
  process.on('exit', onExit);
  let api: KubeApi | undefined;
  try {
    const peer = `http://127.0.0.1:${peerPort}`;
    run('etcd', toolPath('etcd'), [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=default=${peer}`, '--log-level=warn',
    ]);
    run('kube-apiserver', toolPath('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      // A loopback advertise address is only allowed without the endpoint reconciler (nothing in-cluster calls the API).
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=apiserver.crt`, `--tls-private-key-file=apiserver.key`, '--client-ca-file=ca.crt',
      '--service-account-key-file=sa.pub', '--service-account-signing-key-file=sa.key', '--service-account-issuer=https://kubernetes.default.svc',
      '--authorization-mode=Node,RBAC', '--service-cluster-ip-range=10.96.0.0/16',
      // Debian's etcd 3.4.23 lacks RequestWatchProgress, so every streaming list ("WatchList") kwok's
      // client-go asks for failed at once; kwok then saw new pods only at its relists, up to ~12 s
      // late. Without the server feature the clients use plain list+watch and pods start promptly.
      '--feature-gates=WatchList=false',
      // Pods need no service-account token volume (kwok runs no containers); the node is not tainted
      // not-ready on creation (the node lifecycle controller, which would lift it, is off: kwok keeps the node).
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition', `--cert-dir=${join(dir, 'apiserver-certs')}`,
    ]);
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigText(dir, apiPort));
    api = new KubeApi(loadClusterAccess(join(dir, 'kubeconfig')));
    const a = api;
    // The API server has bootstrapped once its "default" namespace exists.
    await until('kube-apiserver', 90_000, async () => ((await a.get('/api/v1/namespaces/default')) ? true : undefined), tail);
    const kc = join(dir, 'kubeconfig');
    run('kube-controller-manager', toolPath('kube-controller-manager'), [
      `--kubeconfig=${kc}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${cmPort}`, `--cert-dir=${join(dir, 'cm-certs')}`,
      '--service-account-private-key-file=sa.key', '--root-ca-file=ca.crt', '--use-service-account-credentials=false',
      // The HPA controller reacts within a second (tests watch it raise a floor).
      '--horizontal-pod-autoscaler-sync-period=1s', '--controllers=*,-nodeipam,-nodelifecycle',
    ]);
    run('kube-scheduler', toolPath('kube-scheduler'), [`--kubeconfig=${kc}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, `--cert-dir=${join(dir, 'sched-certs')}`]);
    run('kwok', toolPath('kwok'), [
      `--kubeconfig=${kc}`, `--config=${toolPath('kwok-stages')}`, '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${kwokPort}`, '--node-ip=10.0.0.1', '--cidr=10.0.0.0/16',
    ]);
    await a.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'kwok-node-0', annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { type: 'kwok', 'kubernetes.io/hostname': 'kwok-node-0' } },
      status: { allocatable: { cpu: opts.nodeCpu ?? '8', memory: opts.nodeMemory ?? '32Gi', pods: '110' }, capacity: { cpu: opts.nodeCpu ?? '8', memory: opts.nodeMemory ?? '32Gi', pods: '110' } },
    });
    await until('the kwok node', 60_000, async () => {
      const n = await a.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('/api/v1/nodes/kwok-node-0');
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, tail);
    return { kubeconfig: kc, api: a, dir, startMs: Date.now() - t0, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Creates a namespace (unique per test) and returns its name. */
export async function createNamespace(api: KubeApi, name: string): Promise<string> {
  await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** Server-side apply of a manifest by `manager` (how a test plays "another owner" of a field). */
export function applyAs<T>(api: KubeApi, path: string, manifest: unknown, manager: string): Promise<T> {
  return api.request<T>('PATCH', `${path}?fieldManager=${encodeURIComponent(manager)}&force=true`, manifest, 'application/apply-patch+yaml');
}

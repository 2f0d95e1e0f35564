import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from '../../config/tools';
import { freeLoopbackPort } from '../../net/free-port';
import { waitFor } from './prometheus';

/**
 * A real Jaeger (v1.76.0, built from its Go module by scripts/toolchain.js): an OTLP/HTTP receiver
 * and its query API on free loopback ports, traces kept in memory, config in a temp dir. The
 * process's service `jaeger` traces nothing of its own. Call `stop()` in afterAll.
 */
export interface JaegerServer {
  /** Base URL to give an OTLP/HTTP exporter (…/v1/traces is appended). */
  otlpUrl: string;
  /** The query service (HTTP API of the UI: /api/services, /api/traces). */
  queryUrl: string;
  traces(service: string, opts?: { limit?: number; lookback?: string }): Promise<JaegerTrace[]>;
  stop(): Promise<void>;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: Array<{ key: string; type: string; value: unknown }>;
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: Array<{ key: string; value: unknown }> }>;
}

export async function startJaeger(): Promise<JaegerServer> {
  const bin = toolPath('jaeger');
  const [otlp, query, grpc, health] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-jaeger-'));
  const config = join(dir, 'jaeger.yaml');
  writeFileSync(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${health}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${grpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  let log = '';
  const proc: ChildProcess = spawn(bin, ['--config', config], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const queryUrl = `http://127.0.0.1:${query}`;
  try {
    await waitFor('jaeger query API', async () => {
      if (proc.exitCode !== null) throw new Error(`jaeger exited (${proc.exitCode}): ${log}`);
      return (await fetch(`${queryUrl}/api/services`)).ok;
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}; jaeger's log: ${log}`);
  }
  return {
    otlpUrl: `http://127.0.0.1:${otlp}`,
    queryUrl,
    async traces(service, opts = {}) {
      const q = new URLSearchParams({ service, limit: String(opts.limit ?? 1000), lookback: opts.lookback ?? '1h' });
      const res = await fetch(`${queryUrl}/api/traces?${q}`);
      if (!res.ok) throw new Error(`jaeger /api/traces?${q}: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: JaegerTrace[] | null }).data ?? [];
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
    },
  };
}

/** A span's tag value, or undefined. */
export function tagOf(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span's parent in its trace (CHILD_OF reference), if any. */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

/**
 * Bad input sweep: one table of malformed inputs at every door — metrics CSV, kinetic.yaml,
 * Prometheus answers, decision requests, approval answers, the price catalog, simulator plan files.
 * Each row must fail with a named error whose message names the field (or file) and says the fix,
 * and must leave what is already recorded alone: the audit log and the fleet file are
 * byte-identical before and after. The table's size is printed (BENCHMARKS.md "Reliability").
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceCatalog } from '../../activities/planning-spec';
import { parseConfig, loadConfig } from '../../config/load';
import { CsvMetricsSource } from '../../metrics/csv-source';
import { PrometheusMetricsSource } from '../../metrics/prometheus-source';
import { readPlanFile } from '../../sim/plan-file';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';


const SERVICE = 'sweep-web';

let t: TestTemporal;
const procs: ChildProcess[] = [];
let fake: Server;
let fakeUrl: string;
/** What the fake server answers next: status and raw body. */
let fakeAnswer = { status: 200, body: '' };
let promUrl: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  t = await connectTestTemporal();
  fake = createHttpServer((_req, res) => {
    res.writeHead(fakeAnswer.status, { 'content-type': 'application/json' });
    res.end(fakeAnswer.body);
  });
  fakeUrl = `http://127.0.0.1:${await listen(fake)}`;
  // A real Prometheus (Debian's package) with nothing to scrape: its own error answers.
  const bin = process.env.PROMETHEUS_BIN ?? execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
  const probe = createHttpServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const dir = createSandbox('kinetic-sweep-prom-').dir;
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1s\nscrape_configs: []\n');
  procs.push(
    spawn(bin, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  promUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${promUrl}/-/ready`).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('prometheus did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await new Promise((r) => fake?.close(r));
  await t?.close();
});

interface Row {
  /** Where the input enters. */
  door: string;
  name: string;
  /** Runs the input; must throw. */
  run: () => Promise<unknown>;
  /** The error's name. */
  error: string;
  /** The field, flag or file the message must name. */
  field: string | RegExp;
  /** What the message must say to do. */
  fix: RegExp;
}

describe('bad input sweep', () => {
  it('every malformed input fails with a named error that names the field and the fix, and changes nothing recorded', async () => {
    const sb = createSandbox('kinetic-sweep-');
    const approval = { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '2m' };
    sb.writeConfig({ [SERVICE]: serviceConfig(sb.csv(SERVICE, flat(55)), { approval }) });
    const csv = (name: string, text: string) => {
      const file = join(sb.dir, `${name}.csv`);
      writeFileSync(file, text);
      return file;
    };
    const csvRange = (file: string, timeColumn?: string) => () =>
      new CsvMetricsSource({ path: file, valueColumn: 'value', timeColumn, historyPoints: 100 }).range(SERVICE, 'rps', new Date(Date.now() - 600_000), new Date(), 60);
    const yaml = (svc: Record<string, unknown>, top: Record<string, unknown> = {}) =>
      stringify({ version: 1, auth: { mode: 'unverified' }, ...top, services: { [SERVICE]: serviceConfig(join(sb.dir, `${SERVICE}.csv`), svc) } });
    const config = (text: string) => async () => parseConfig(text, join(sb.dir, 'bad.yaml'));
    const fakeProm = (status: number, body: string) => async () => {
      fakeAnswer = { status, body };
      return new PrometheusMetricsSource({ url: fakeUrl, query: 'sum(rate(http_requests_total{service="$service"}[1m]))' }).range(SERVICE, 'rps', new Date(Date.now() - 60_000), new Date(), 15);
    };
    const catalog = (text: string) => async () => {
      const file = join(sb.dir, 'prices.json');
      writeFileSync(file, text);
      const cfgFile = join(sb.dir, 'catalog.yaml');
      writeFileSync(cfgFile, yaml({}, { pricing: { catalog: 'prices.json' } }));
      return priceCatalog(loadConfig(cfgFile));
    };
    const plan = (text: string) => async () => {
      const file = join(sb.dir, 'plan.txt');
      writeFileSync(file, text);
      return readPlanFile(file);
    };
    const budgets = { company: { name: 'acme', monthly: 1000 }, departments: { platform: { monthly: 500 } }, projects: { shop: { monthly: 200, department: 'platform' } } };

    // A decision waits for a person: the approval rows answer it badly.
    let waiting = '';
    const rows: Row[] = [
      // metrics CSV
      { door: 'metrics CSV', name: 'bad header', run: csvRange(csv('hdr', 'rps\n1\n2\n')), error: 'MetricsInputError', field: 'metrics.valueColumn', fix: /set metrics\.valueColumn to one of them/ },
      { door: 'metrics CSV', name: 'NaN', run: csvRange(csv('nan', 'value\n1\nNaN\n3\n')), error: 'MetricsInputError', field: 'nan.csv:3: column "value"', fix: /fix or remove the row/ },
      { door: 'metrics CSV', name: 'empty file', run: csvRange(csv('empty', '')), error: 'MetricsInputError', field: 'empty.csv', fix: /needs a header and at least 2 rows/ },
      { door: 'metrics CSV', name: 'header only', run: csvRange(csv('headeronly', 'value\n')), error: 'MetricsInputError', field: 'headeronly.csv', fix: /needs a header and at least 2 rows/ },
      { door: 'metrics CSV', name: 'gap (blank cell)', run: csvRange(csv('gap', 'value\n1\n\n3\n')), error: 'MetricsInputError', field: 'gap.csv:3: column "value"', fix: /fix or remove the row/ },
      { door: 'metrics CSV', name: 'non-numeric', run: csvRange(csv('word', 'value\n1\nlots\n')), error: 'MetricsInputError', field: 'word.csv:3: column "value" is "lots"', fix: /not a number; fix or remove the row/ },
      { door: 'metrics CSV', name: 'negative', run: csvRange(csv('neg', 'value\n1\n-2\n')), error: 'MetricsInputError', field: 'neg.csv:3: column "value" is -2', fix: /demand cannot be negative/ },
      { door: 'metrics CSV', name: 'bad timestamp', run: csvRange(csv('ts', 'time,value\n2026-11-27T10:00:00Z,1\nyesterday,2\n'), 'time'), error: 'MetricsInputError', field: 'ts.csv:3: column "time"', fix: /write ISO 8601 UTC/ },
      { door: 'metrics CSV', name: 'missing time column', run: csvRange(csv('notime', 'value\n1\n2\n'), 'time'), error: 'MetricsInputError', field: 'metrics.timeColumn', fix: /set metrics\.timeColumn to one of them, or remove it/ },
      { door: 'metrics CSV', name: 'missing file', run: csvRange(join(sb.dir, 'absent.csv')), error: 'MetricsInputError', field: 'metrics.path', fix: /check the path in kinetic\.yaml/ },
      // kinetic.yaml
      { door: 'kinetic.yaml', name: 'unknown field', run: config(yaml({ capacityPerInstanse: 3 })), error: 'ConfigError', field: `services.${SERVICE}: Unrecognized key: "capacityPerInstanse"`, fix: /remove it or fix its spelling/ },
      { door: 'kinetic.yaml', name: 'wrong type', run: config(yaml({ targetUtilization: 'high' })), error: 'ConfigError', field: `services.${SERVICE}.targetUtilization`, fix: /expected number, received string/ },
      { door: 'kinetic.yaml', name: 'out of range', run: config(yaml({ targetUtilization: 1.5 })), error: 'ConfigError', field: `services.${SERVICE}.targetUtilization`, fix: /expected number to be <=1/ },
      { door: 'kinetic.yaml', name: 'bad duration', run: config(yaml({ cooldown: '5 minutes' })), error: 'ConfigError', field: `services.${SERVICE}.cooldown`, fix: /write e\.g\. "30s", "5m", "2h" or "1d"/ },
      { door: 'kinetic.yaml', name: 'missing field', run: config(yaml({ capacityPerInstance: undefined })), error: 'ConfigError', field: `services.${SERVICE}.capacityPerInstance`, fix: /is required \(a number\)/ },
      {
        door: 'kinetic.yaml',
        name: 'bad budget tree: unknown department',
        run: config(yaml({ budget: { monthly: 100, project: 'shop' } }, { budgets: { ...budgets, projects: { shop: { monthly: 200, department: 'ghost' } } } })),
        error: 'ConfigError',
        field: 'budgets.projects.shop.department',
        fix: /"ghost" is not in budgets\.departments \(platform\)/,
      },
      {
        door: 'kinetic.yaml',
        name: 'bad budget tree: unknown project',
        run: config(yaml({ budget: { monthly: 100, project: 'nope' } }, { budgets })),
        error: 'ConfigError',
        field: `services.${SERVICE}.budget.project`,
        fix: /"nope" is not in budgets\.projects \(shop\)/,
      },
      { door: 'kinetic.yaml', name: 'not YAML', run: config('version: 1\nservices: [\n'), error: 'ConfigError', field: 'bad.yaml', fix: /not valid YAML/ },
      { door: 'kinetic.yaml', name: 'wrong version', run: config(yaml({}).replace('version: 1', 'version: 2')), error: 'ConfigError', field: 'version', fix: /expected 1/ },
      // Prometheus answers
      { door: 'Prometheus', name: 'malformed JSON', run: fakeProm(200, '{"status":"succ'), error: 'MetricsInputError', field: 'metrics.url', fix: /check metrics\.url in kinetic\.yaml/ },
      { door: 'Prometheus', name: 'an HTML page', run: fakeProm(200, '<html>Grafana</html>'), error: 'MetricsInputError', field: 'metrics.url', fix: /without Prometheus JSON/ },
      {
        door: 'Prometheus',
        name: 'not a range vector',
        run: fakeProm(200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } })),
        error: 'MetricsInputError',
        field: 'metrics.query',
        fix: /must select time series/,
      },
      {
        door: 'Prometheus',
        name: 'error status (real Prometheus, a query that does not parse)',
        run: () => new PrometheusMetricsSource({ url: promUrl, query: 'sum(rate(http_requests_total{service="$service"}[1m]' }).range(SERVICE, 'rps', new Date(Date.now() - 60_000), new Date(), 15),
        error: 'MetricsInputError',
        field: 'metrics.query',
        fix: /HTTP 400: bad_data .*; check metrics\.query in kinetic\.yaml/,
      },
      // decision requests
      { door: 'decision request', name: 'bad service name', run: () => t.kinetic.startDecision('Web Shop!', { timeouts: FAST_TIMEOUTS }), error: 'DecisionInputError', field: 'service "Web Shop!"', fix: /use a service defined under services: in kinetic\.yaml/ },
      { door: 'decision request', name: 'negative target', run: () => t.kinetic.startDecision(SERVICE, { targetOverride: -3 }), error: 'DecisionInputError', field: 'targetOverride -3', fix: /whole number of instances >= 0 \(kinetic decide --target N\)/ },
      { door: 'decision request', name: 'fractional target', run: () => t.kinetic.startDecision(SERVICE, { targetOverride: 2.5 }), error: 'DecisionInputError', field: 'targetOverride 2.5', fix: /whole number of instances >= 0/ },
      // approval answers
      { door: 'approval', name: 'unknown approver', run: () => t.kinetic.approve(waiting, 'mallory@example.com'), error: 'WorkflowUpdateFailedError', field: '"mallory@example.com" may not approve', fix: /approvers: alice@example\.com/ },
      { door: 'approval', name: 'empty reason', run: () => t.kinetic.reject(waiting, 'alice@example.com', '  '), error: 'DecisionInputError', field: 'reason', fix: /say why the change is rejected \(--reason TEXT\)/ },
      { door: 'approval', name: 'empty identity', run: () => t.kinetic.approve(waiting, ''), error: 'DecisionInputError', field: 'identity', fix: /pass who answers \(--as USER/ },
      // price catalog (pricing.catalog)
      { door: 'price catalog', name: 'not JSON', run: catalog('{ "regions": '), error: 'ConfigError', field: 'pricing.catalog', fix: /fix the file .* or remove pricing\.catalog/ },
      {
        door: 'price catalog',
        name: 'negative price',
        run: catalog(
          JSON.stringify({
            version: 1,
            currency: 'USD',
            asOf: '2026-11-01',
            sources: [{ id: 'test', description: 'a hand-written catalog' }],
            regions: { 'us-east-1': { 'c6i.xlarge': { vcpu: 4, memoryGiB: 8, onDemand: -1, spot: 0.07, source: 'test' } } },
          }),
        ),
        error: 'ConfigError',
        field: 'pricing.catalog',
        fix: /regions\["us-east-1"\]\["c6i\.xlarge"\]\.onDemand: must be a price > 0/,
      },
      // simulator plan files (kinetic simulate --plan)
      { door: 'plan file', name: 'non-numeric entry', run: plan('3\n4\nfive\n'), error: 'SeriesInputError', field: 'entry 3 is "five"', fix: /each entry must be a whole instance count >= 0/ },
      { door: 'plan file', name: 'negative entry', run: plan('3,-1\n'), error: 'SeriesInputError', field: 'entry 2 is "-1"', fix: /whole instance count >= 0/ },
      { door: 'plan file', name: 'no counts', run: plan('# nothing\n'), error: 'SeriesInputError', field: '--plan', fix: /write one requested count per step/ },
      { door: 'plan file', name: 'missing file', run: () => Promise.resolve().then(() => readPlanFile(join(sb.dir, 'absent-plan.txt'))), error: 'SeriesInputError', field: '--plan', fix: /check the path/ },
    ];

    const audit = new FileAuditLog(sb.stateRoot);
    const auditFile = join(sb.stateRoot, 'ledger', 'decisions.jsonl');
    const fleetFile = join(sb.stateRoot, 'fleet', `${SERVICE}.json`);
    const failures: string[] = [];
    await withWorker(t, { configPath: sb.configPath }, async () => {
      // Something recorded first: one committed decision (approved), then one waiting for a person.
      const first = await t.kinetic.startDecision(SERVICE, { timeouts: FAST_TIMEOUTS });
      await waitForStage(first.decisionId, 'approval');
      await t.kinetic.approve(first.decisionId, 'alice@example.com');
      expect((await t.kinetic.waitForDecision(first.decisionId)).outcome).toBe('committed');
      waiting = (await t.kinetic.startDecision(SERVICE, { timeouts: FAST_TIMEOUTS, targetOverride: 9 })).decisionId;
      await waitForStage(waiting, 'approval');

      const auditBefore = readFileSync(auditFile);
      const fleetBefore = readFileSync(fleetFile);
      expect((await audit.all()).map((r) => r.outcome)).toEqual(['committed']);
      for (const row of rows) {
        const label = `${row.door} / ${row.name}`;
        let err: unknown;
        try {
          await row.run();
        } catch (e) {
          err = e;
        }
        if (!(err instanceof Error)) {
          failures.push(`${label}: did not fail`);
          continue;
        }
        // An Update refused by the workflow's validator carries the reason as its cause.
        const message = `${err.message} ${(err as { cause?: Error }).cause?.message ?? ''}`;
        const named = typeof row.field === 'string' ? message.includes(row.field) : row.field.test(message);
        if (err.name !== row.error) failures.push(`${label}: ${err.name} instead of ${row.error}: ${message}`);
        if (!named) failures.push(`${label}: the message does not name ${String(row.field)}: ${message}`);
        if (!row.fix.test(message)) failures.push(`${label}: the message does not say ${String(row.fix)}: ${message}`);
        if (!readFileSync(auditFile).equals(auditBefore)) failures.push(`${label}: the audit log changed`);
        if (!readFileSync(fleetFile).equals(fleetBefore)) failures.push(`${label}: the fleet changed`);
      }
      // The waiting decision was never answered by any bad row: it still waits, then a good answer ends it.
      expect((await t.kinetic.getDecision(waiting)).stage).toBe('approval');
      await t.kinetic.reject(waiting, 'alice@example.com', 'sweep done');
      expect((await t.kinetic.waitForDecision(waiting)).outcome).toBe('approval-rejected');
    });
    console.log(`bad input sweep: ${rows.length} rows over ${new Set(rows.map((r) => r.door)).size} doors (${[...new Set(rows.map((r) => r.door))].join(', ')})`);
    expect(failures).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });
});

async function waitForStage(decisionId: string, stage: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rec = await t.kinetic.getDecision(decisionId).catch(() => undefined);
    if (rec?.stage === stage) return;
    if (Date.now() > deadline) throw new Error(`${decisionId} never reached ${stage} (at ${rec?.stage})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

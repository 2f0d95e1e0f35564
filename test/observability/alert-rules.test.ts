import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../config/tools';
import { kineticRegistry } from '../../observability/metrics';
import { familyOf, metricNamesIn } from './promql-names';

const DIR = join(REPO_ROOT, 'observability/prometheus');
const RULES = join(DIR, 'kinetic-rules.yml');
const RULE_TESTS = join(DIR, 'kinetic-rules.test.yml');

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: string };
    if (err.code === 'ENOENT') throw new Error('promtool not found: apt-get install -y prometheus (it ships promtool)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'kinetic-rules.yml')).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their promtool unit tests', () => {
    expect(promtool('test', 'rules', 'kinetic-rules.test.yml')).toContain('SUCCESS');
  });

  it('every alert has a unit test where it fires and one where it stays silent', () => {
    const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests.flatMap((t) => t.alert_rule_test);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'KineticApprovalWaiting',
      'KineticCompensationFailed',
      'KineticForecastAccuracyLow',
      'KineticPredictedDemandAboveMaxCapacity',
      'KineticScalingLatencyHigh',
      'KineticStaleMetrics',
      'KineticWasteHigh',
      'KineticWorkerDown',
    ]);
    for (const { alert } of rules) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} fires in a test`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} stays silent in a test`).toBe(true);
    }
  });

  it('read only metrics the worker exports (and Prometheus `up`)', async () => {
    const families = new Map((await kineticRegistry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    const histograms = new Set([...families].filter(([, type]) => type === 'histogram').map(([n]) => n));
    for (const r of rules) {
      const names = metricNamesIn(r.expr);
      expect(names.length, r.alert).toBeGreaterThan(0);
      for (const n of names) expect(n === 'up' || families.has(familyOf(n, histograms)), `${r.alert} reads ${n}`).toBe(true);
    }
  });
});

describe('metricNamesIn', () => {
  it('finds the metrics of an expression and nothing else', () => {
    expect(
      metricNamesIn('histogram_quantile(0.9, sum by (service, le) (rate(kinetic_scaling_latency_seconds_bucket{service=~"$service"}[30m]))) > on(service) group_left max by (service) (kinetic_x offset 15m) or up == 0'),
    ).toEqual(['kinetic_scaling_latency_seconds_bucket', 'kinetic_x', 'up']);
  });
});

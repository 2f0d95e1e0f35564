import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { kineticRegistry } from '../../observability/metrics';
import { dashboardExprs, familyOf, metricNamesIn } from './promql-names';

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'observability/grafana/kinetic.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ type: string; title: string; targets?: unknown[] }>;
  templating: { list: Array<{ name: string }> };
};

describe('Grafana dashboard', () => {
  it('every panel queries something, with the variables the dashboard defines', () => {
    const vars = new Set(dashboard.templating.list.map((v) => v.name));
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    for (const { where, expr } of dashboardExprs(dashboard)) {
      for (const [, name] of expr.matchAll(/\$(?!__)(\w+)/g)) expect(vars.has(name), `${where} uses $${name}`).toBe(true);
    }
  });

  it('reads only metrics the worker exports, and shows every Kinetic metric', async () => {
    const families = new Map((await kineticRegistry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
    const histograms = new Set([...families].filter(([, type]) => type === 'histogram').map(([n]) => n));
    const shown = new Set<string>();
    for (const { where, expr } of dashboardExprs(dashboard)) {
      const names = metricNamesIn(expr);
      expect(names.length, where).toBeGreaterThan(0);
      for (const n of names) {
        const family = familyOf(n, histograms);
        shown.add(family);
        // Temporal's SDK names are checked against a real worker's page (worker-metrics.int.test.ts).
        expect(n === 'up' || n.startsWith('temporal_') || families.has(family), `${where} reads ${n}`).toBe(true);
      }
    }
    expect([...families.keys()].filter((f) => !shown.has(f))).toEqual([]);
  });
});

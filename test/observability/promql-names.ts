/**
 * The metric names a PromQL expression reads: what is left after label matchers, strings, range
 * selectors, grouping clauses, function calls and keywords are taken out. Enough for the
 * expressions of the rules file and the dashboard (tests only).
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\d+[smhdwy]/g, ' ')
    // Grafana's template variables ($service, $__rate_interval) are not metrics.
    .replace(/\$\{?[A-Za-z_]\w*\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}

/** Histogram series carry their family name plus one of these suffixes. */
export function familyOf(name: string, histograms: ReadonlySet<string>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && histograms.has(m[1]) ? m[1] : name;
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows included) and query variables. */
export function dashboardExprs(dashboard: unknown): Array<{ where: string; expr: string }> {
  const d = dashboard as {
    panels?: Array<{ title?: string; panels?: unknown[]; targets?: Array<{ expr?: string }> }>;
    templating?: { list?: Array<{ name: string; query?: string | { query?: string } }> };
  };
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (panels: typeof d.panels = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels as typeof d.panels);
    }
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    // label_values(<selector>, <label>): the selector is the expression.
    const m = q ? /^label_values\((.*),\s*\w+\)$/.exec(q) : null;
    if (m) out.push({ where: `variable $${v.name}`, expr: m[1] });
  }
  return out;
}

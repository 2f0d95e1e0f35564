import type { Frontier, FrontierPoint } from '../frontier';
import type { PolicyOutcome, SimulationResult } from '../simulate';
import { axes, band, Box, escapeHtml, linearScale, niceTicks, polyline, stepLine, svg } from './svg';

/**
 * The `--report` page: one self-contained HTML file (inline SVG and CSS, no scripts, no network)
 * with the whole scored trace, a zoom on the busiest violations, the cost-vs-SLA frontier and
 * the score table.
 */
export interface ReportInput {
  title: string;
  demand: readonly number[];
  result: SimulationResult;
  frontier?: Frontier;
  stepSeconds?: number;
}

const COLORS: Record<string, string> = { reactive: '#e6770b', predictive: '#1f63b4', oracle: '#2a9d3a', 'static-peak': '#777777' };
const colorOf = (name: string) => COLORS[name] ?? '#8e44ad';
const MAX_POINTS = 1100;

export function renderReport(input: ReportInput): string {
  const { result } = input;
  const W = result.params.warmup;
  const n = input.demand.length;
  const zoom = busiestWindow(input.result, Math.min(n - W, 240));
  const sections = [
    `<h1>Kinetic simulation: ${escapeHtml(input.title)}</h1>`,
    `<p>${n - W} scored steps (warm-up ${W})${input.stepSeconds ? `, ${input.stepSeconds} s per step` : ''}; capacity ${result.params.capacity} per instance; boot delay ${result.params.bootSteps} steps; lower bound ${result.lowerBoundInstanceSteps} instance-steps.</p>`,
    scoreTable(result),
    '<h2>Demand, forecast band and ready capacity (scored steps)</h2>',
    timeline(input, W, n, 'whole'),
    `<h2>Zoom: steps ${zoom.from}–${zoom.to - 1} (the window with the most violations)</h2>`,
    timeline(input, zoom.from, zoom.to, 'zoom'),
    input.frontier ? `<h2>Cost vs SLA frontier</h2>${frontierChart(input.frontier)}${frontierTable(input.frontier)}` : '',
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinetic simulation: ${escapeHtml(input.title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1320px}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.legend span{display:inline-block;margin-right:16px}.sw{display:inline-block;width:14px;height:4px;vertical-align:middle;margin-right:4px}</style>
</head><body>${sections.join('\n')}</body></html>`;
}

function scoreTable(result: SimulationResult): string {
  const head = '<tr><th>policy</th><th>instance-steps</th><th>ratio to lower bound</th><th>under-provisioned steps</th><th>SLA violation %</th><th>unserved %</th><th>waste %</th><th>scale events</th><th>cost</th></tr>';
  const rows = Object.entries(result.outcomes).map(([name, o]) => {
    const s = o.score;
    return `<tr><td><span class="sw" style="background:${colorOf(name)}"></span>${escapeHtml(name)}</td><td>${s.instanceSteps}</td><td>${s.ratioToLowerBound.toFixed(3)}</td><td>${s.underProvisionedSteps}</td><td>${s.slaViolationPct.toFixed(2)}</td><td>${s.unservedPct.toFixed(3)}</td><td>${s.wastePct.toFixed(1)}</td><td>${s.scaleEvents}</td><td>${s.cost === undefined ? '' : s.cost.toFixed(2)}</td></tr>`;
  });
  const notes = Object.entries(result.outcomes)
    .filter(([, o]) => o.note)
    .map(([name, o]) => `<li>${escapeHtml(name)}: ${escapeHtml(o.note ?? '')}</li>`);
  return `<table>${head}${rows.join('')}</table>${notes.length ? `<ul>${notes.join('')}</ul>` : ''}`;
}

interface Bucketed {
  x: number[];
  demand: number[];
  ready: Record<string, number[]>;
  violated: Record<string, boolean[]>;
  band?: { lo: number[]; hi: number[]; mid: number[] };
}

/** Buckets [from, to) into at most MAX_POINTS columns: demand max, ready min, any violation. */
function bucketize(input: ReportInput, from: number, to: number): Bucketed {
  const { result, demand } = input;
  const W = result.params.warmup;
  const width = Math.max(1, Math.ceil((to - from) / MAX_POINTS));
  const out: Bucketed = { x: [], demand: [], ready: {}, violated: {} };
  const predictive = result.outcomes.predictive as PolicyOutcome | undefined;
  if (predictive?.band) out.band = { lo: [], hi: [], mid: [] };
  for (const name of Object.keys(result.outcomes)) {
    out.ready[name] = [];
    out.violated[name] = [];
  }
  for (let b = from; b < to; b += width) {
    const e = Math.min(to, b + width);
    out.x.push(b);
    let dmax = 0;
    for (let t = b; t < e; t++) dmax = Math.max(dmax, demand[t]);
    out.demand.push(dmax);
    for (const [name, o] of Object.entries(result.outcomes)) {
      let rmin = Infinity;
      let v = false;
      for (let t = b; t < e; t++) {
        rmin = Math.min(rmin, o.ready[t] * result.params.capacity);
        v = v || o.underProvisioned[t];
      }
      out.ready[name].push(rmin);
      out.violated[name].push(v);
    }
    if (out.band && predictive?.band) {
      let lo = Infinity;
      let hi = 0;
      let mid = 0;
      for (let t = b; t < e; t++) {
        lo = Math.min(lo, predictive.band.lower[t - W]);
        hi = Math.max(hi, predictive.band.upper[t - W]);
        mid += predictive.band.point[t - W];
      }
      out.band.lo.push(lo);
      out.band.hi.push(hi);
      out.band.mid.push(mid / (e - b));
    }
  }
  return out;
}

function timeline(input: ReportInput, from: number, to: number, id: string): string {
  const data = bucketize(input, from, to);
  const names = Object.keys(data.ready);
  const stripHeight = 12 * names.length + 8;
  const box: Box = { width: 1300, height: 380 + stripHeight, left: 60, right: 20, top: 10, bottom: 40 + stripHeight };
  let yMax = Math.max(...data.demand, ...names.flatMap((k) => data.ready[k]));
  if (data.band) yMax = Math.max(yMax, ...data.band.hi);
  const s = linearScale(box, from, to, 0, yMax * 1.05);
  const parts: string[] = [axes(box, s, niceTicks(from, to, 8), niceTicks(0, yMax * 1.05, 6), 'step', 'demand / ready capacity')];
  if (data.band) parts.push(band(data.x, data.band.lo, data.band.hi, s, 'rgba(31,99,180,0.15)'));
  parts.push(polyline(data.x, data.demand, s, '#111', 1));
  for (const name of names) parts.push(stepLine(data.x, data.ready[name], s, colorOf(name), name === 'oracle' ? 1 : 1.4));
  // Violation strip: one row per policy under the x axis, a red tick per (bucketed) violation.
  const stripTop = box.height - box.bottom + 24;
  names.forEach((name, row) => {
    const y = stripTop + row * 12;
    parts.push(`<text x="${box.left - 6}" y="${y + 8}" text-anchor="end" fill="${colorOf(name)}">${escapeHtml(name)}</text>`);
    data.x.forEach((x, i) => {
      if (data.violated[name][i]) parts.push(`<rect x="${s.x(x).toFixed(1)}" y="${y}" width="2" height="9" fill="#d0021b"/>`);
    });
  });
  const legend = [
    '<span><span class="sw" style="background:#111"></span>demand (bucket max)</span>',
    data.band ? '<span><span class="sw" style="background:rgba(31,99,180,0.3);height:10px"></span>predictive forecast band (P05 – buffer quantile)</span>' : '',
    ...names.map((nm) => `<span><span class="sw" style="background:${colorOf(nm)}"></span>ready capacity: ${escapeHtml(nm)}</span>`),
    '<span><span class="sw" style="background:#d0021b;height:9px;width:3px"></span>under-provisioned step</span>',
  ];
  return `<div class="legend" id="legend-${id}">${legend.join('')}</div>${svg(box, parts.join(''))}`;
}

/** The window of `length` scored steps with the most violations over all policies (first one on ties). */
function busiestWindow(result: SimulationResult, length: number): { from: number; to: number } {
  const W = result.params.warmup;
  const n = Object.values(result.outcomes)[0]?.ready.length ?? W;
  const count = new Array<number>(n).fill(0);
  for (const o of Object.values(result.outcomes)) for (let t = W; t < n; t++) if (o.underProvisioned[t]) count[t]++;
  let best = W;
  let bestSum = -1;
  let sum = 0;
  for (let t = W; t < n; t++) {
    sum += count[t];
    if (t - length >= W) sum -= count[t - length];
    if (t - W + 1 >= length && sum > bestSum) {
      bestSum = sum;
      best = t - length + 1;
    }
  }
  return { from: best, to: Math.min(n, best + length) };
}

function frontierChart(frontier: Frontier): string {
  const box: Box = { width: 900, height: 420, left: 80, right: 20, top: 10, bottom: 40 };
  const all = [...frontier.reactive, ...frontier.predictive];
  const xMax = Math.max(0.5, ...all.map((p) => p.slaViolationPct)) * 1.05;
  const yMin = Math.min(...all.map((p) => p.instanceSteps)) * 0.95;
  const yMax = Math.max(...all.map((p) => p.instanceSteps)) * 1.02;
  const s = linearScale(box, 0, xMax, yMin, yMax);
  const parts = [axes(box, s, niceTicks(0, xMax, 8), niceTicks(yMin, yMax, 6), 'SLA violation % (under-provisioned steps)', 'instance-steps')];
  const curve = (pts: FrontierPoint[], name: string, label: (k: number) => string) => {
    const sorted = [...pts].sort((a, b) => a.knob - b.knob);
    parts.push(polyline(sorted.map((p) => p.slaViolationPct), sorted.map((p) => p.instanceSteps), s, colorOf(name), 1.6));
    for (const p of sorted) {
      parts.push(`<circle cx="${s.x(p.slaViolationPct).toFixed(1)}" cy="${s.y(p.instanceSteps).toFixed(1)}" r="3.5" fill="${colorOf(name)}"/>`);
      parts.push(`<text x="${(s.x(p.slaViolationPct) + 5).toFixed(1)}" y="${(s.y(p.instanceSteps) - 5).toFixed(1)}" fill="${colorOf(name)}" font-size="10">${label(p.knob)}</text>`);
    }
  };
  curve(frontier.reactive, 'reactive', (k) => `U=${k}`);
  curve(frontier.predictive, 'predictive', (k) => `q=${k}`);
  const legend = `<div class="legend"><span><span class="sw" style="background:${colorOf('reactive')}"></span>reactive swept over target utilisation U</span><span><span class="sw" style="background:${colorOf('predictive')}"></span>predictive swept over the buffer quantile q</span></div>`;
  return legend + svg(box, parts.join(''));
}

function frontierTable(frontier: Frontier): string {
  const c = frontier.comparison;
  const rows = c.savings
    .map((r) => `<tr><td>${r.violationPct.toFixed(2)}</td><td>${r.reactiveInstanceSteps}</td><td>${r.predictiveInstanceSteps}</td><td>${r.savingPct.toFixed(1)}</td></tr>`)
    .join('');
  const summary = c.medianSavingPct === undefined
    ? '<p>The frontiers do not overlap in violation %.</p>'
    : `<p>At equal violation %, predictive needs a median ${c.medianSavingPct.toFixed(1)}% fewer instance-steps than reactive (minimum ${c.minSavingPct?.toFixed(1)}%).</p>`;
  return `${summary}<table><tr><th>violation %</th><th>reactive instance-steps</th><th>predictive instance-steps</th><th>saving %</th></tr>${rows}</table>`;
}

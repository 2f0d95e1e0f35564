// Kinetic live dashboard: draws each service's panel as SVG from the view model the server
// inlines (first paint needs no second request), then applies `service` events from /events.
// Plain browser JavaScript, no libraries: the page must open from any machine with a browser.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const OUTCOME_COLOURS = {
  committed: '#2a9d3a',
  'no-change': '#8a8a8a',
  'dry-run': '#1f63b4',
  'awaiting-approval': '#e6770b',
  'rolled-back': '#d0021b',
  'compensation-failed': '#d0021b',
  failed: '#d0021b',
};
const REJECTED = '#8e44ad'; // policy, budget, approval, infeasible, stale metrics, re-proposed, cancelled
const SERIES = { observed: '#111111', p50: '#1f63b4', band: 'rgba(31,99,180,0.18)', planned: '#e6770b', ready: '#2a9d3a' };

const colourOf = (outcome) => OUTCOME_COLOURS[outcome] || REJECTED;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function timeLabel(t, long) {
  const d = new Date(t);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return long ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm;
}

function num(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(digits === undefined ? 1 : digits);
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ESCAPES[c]);

/** SVG markup for one element (charts are built as text and parsed once: thousands of markers stay fast). */
function tag(name, attrs, inner) {
  let out = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) out += ` ${k}="${esc(v)}"`;
  return inner === undefined ? `${out}/>` : `${out}>${inner}</${name}>`;
}

/** A time chart: axes with units, then whatever `draw` adds (markup strings) through the scales it is given. */
function chart(opts, draw) {
  const W = 1200, H = opts.height, L = 64, R = 16, T = 14, B = 34;
  const parts = [];
  const [t0, t1] = opts.x;
  const yMax = opts.yMax > 0 ? opts.yMax * 1.08 : 1;
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => H - B - (v / yMax) * (H - T - B);
  parts.push(tag('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fafafa', stroke: '#ccc' }));
  const long = t1 - t0 > 36 * 3600 * 1000;
  for (let i = 0; i <= 5; i++) {
    const t = t0 + ((t1 - t0) * i) / 5;
    parts.push(tag('line', { x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4, stroke: '#666' }));
    parts.push(tag('text', { x: x(t), y: H - B + 15, 'text-anchor': 'middle' }, esc(timeLabel(t, long))));
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(tag('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e6e6e6' }));
    parts.push(tag('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, esc(num(v, v < 10 ? 1 : 0))));
  }
  parts.push(tag('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle' }, 'time (UTC)'));
  parts.push(tag('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, esc(opts.yLabel)));
  if (opts.now >= t0 && opts.now <= t1) {
    parts.push(tag('line', { x1: x(opts.now), x2: x(opts.now), y1: T, y2: H - B, stroke: '#999', 'stroke-dasharray': '3 3' }));
    const nearEnd = x(opts.now) > W - R - 30;
    parts.push(tag('text', { x: x(opts.now) + (nearEnd ? -3 : 3), y: T + 11, 'text-anchor': nearEnd ? 'end' : 'start' }, 'now'));
  }
  draw({ parts, x, y, top: T, bottom: H - B });
  const holder = document.createElement('div');
  holder.innerHTML = tag('svg', { xmlns: SVG, width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.label, 'data-chart': opts.kind }, parts.join(''));
  return holder.firstChild;
}

function path(points, x, y, step) {
  let d = '';
  points.forEach(([t, v], i) => {
    if (i === 0) d += `M${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    else if (step) d += `H${x(t).toFixed(1)}V${y(v).toFixed(1)}`;
    else d += `L${x(t).toFixed(1)},${y(v).toFixed(1)}`;
  });
  return d;
}

function line(parts, name, points, colour, x, y, extra) {
  if (!points.length) return;
  parts.push(tag('path', { d: path(points, x, y, extra && extra.step), fill: 'none', stroke: colour, 'stroke-width': 1.6, 'data-series': name, 'data-points': points.length, ...(extra && extra.dash ? { 'stroke-dasharray': extra.dash } : {}) }));
}

function maxOf(...lists) {
  let m = 0;
  for (const l of lists) for (const p of l) if (p[1] > m) m = p[1];
  return m;
}

/**
 * The time axis: from the oldest thing there is to draw (never before the history window, and at
 * least 10 minutes back) to the end of the forecast.
 */
function timeRange(v) {
  const firsts = [v.observed, v.planned, v.ready].filter((l) => l.length).map((l) => l[0][0]).concat(v.markers.map((m) => m.t));
  if (v.forecast) firsts.push(v.forecast.p50[0][0]);
  const start = Math.max(v.since, Math.min(v.now - 10 * 60 * 1000, ...firsts));
  const end = Math.max(v.now, v.forecast ? v.forecast.p90[v.forecast.p90.length - 1][0] : v.now);
  return [start, end];
}

function demandChart(v) {
  const f = v.forecast;
  return chart({ kind: 'demand', label: `${v.service} demand`, height: 260, x: timeRange(v), yMax: maxOf(v.observed, f ? f.p90 : []), yLabel: `demand (${v.metric})`, now: v.now }, ({ parts, x, y, top, bottom }) => {
    if (f) {
      const upper = f.p90.map(([t, val]) => `${x(t).toFixed(1)},${y(val).toFixed(1)}`);
      const lower = f.p10.slice().reverse().map(([t, val]) => `${x(t).toFixed(1)},${y(val).toFixed(1)}`);
      parts.push(tag('polygon', { points: upper.concat(lower).join(' '), fill: SERIES.band, stroke: 'none', 'data-band': 'p10-p90', 'data-points': f.p90.length }));
    }
    line(parts, 'observed', v.observed, SERIES.observed, x, y);
    if (f) line(parts, 'p50', f.p50, SERIES.p50, x, y, { dash: '5 3' });
    for (const m of v.markers) {
      if (m.t < v.since) continue;
      const c = colourOf(m.outcome);
      const at = x(m.t).toFixed(1);
      const moved = m.from !== undefined ? ` ${m.from}→${m.to}` : '';
      const title = `${m.outcome}${moved} at ${timeLabel(m.t, true)} UTC — kinetic explain ${m.id}${m.reason ? `\n${m.reason}` : ''}`;
      // One path per marker: a dot at the top and a thin rule down to the time axis.
      const d = `M${at},${top + 11}V${bottom}M${at},${top + 1}a5,5 0 1,0 0.01,0`;
      const inner = tag('path', { d, stroke: c, 'stroke-width': 1, fill: c, 'stroke-opacity': 0.6 }) + tag('title', {}, esc(title));
      parts.push(tag('a', { href: m.webUi, target: '_blank', 'data-marker': m.id, 'data-outcome': m.outcome }, inner));
    }
  });
}

function capacityChart(v) {
  const range = timeRange(v);
  const extend = (pts) => (pts.length ? pts.concat([[v.now, pts[pts.length - 1][1]]]) : pts);
  const planned = extend(v.planned);
  // Before the first decision shown, the fleet was what that decision started from.
  const first = v.markers.filter((m) => m.from !== undefined).sort((a, b) => a.t - b.t)[0];
  const ready = extend(first && v.ready.length ? [[range[0], first.from], [first.t, first.from]].concat(v.ready) : v.ready);
  return chart({ kind: 'capacity', label: `${v.service} capacity`, height: 160, x: range, yMax: maxOf(planned, ready), yLabel: 'instances', now: v.now }, ({ parts, x, y }) => {
    line(parts, 'planned', planned, SERIES.planned, x, y, { step: true, dash: '6 3' });
    line(parts, 'ready', ready, SERIES.ready, x, y, { step: true });
  });
}

function table(headers, rows, attrs) {
  const t = el('table', attrs || {});
  const h = el('tr');
  headers.forEach((name) => h.appendChild(el('th', name.endsWith('#') ? { class: 'num' } : {}, name.replace(/#$/, ''))));
  t.appendChild(h);
  for (const r of rows) t.appendChild(r);
  return t;
}

function row(cells, attrs) {
  const tr = el('tr', attrs || {});
  for (const c of cells) {
    if (c instanceof Node) {
      const td = el('td');
      td.appendChild(c);
      tr.appendChild(td);
    } else tr.appendChild(el('td', typeof c === 'number' ? { class: 'num' } : {}, String(c)));
  }
  return tr;
}

function link(href, text) {
  return el('a', { href, target: '_blank' }, text);
}

function decisionsTable(v) {
  const recent = v.markers.slice().sort((a, b) => b.t - a.t).slice(0, 12);
  if (!recent.length) return el('div', { class: 'empty' }, 'No decisions in this window.');
  return table(['time (UTC)', 'outcome', 'instances', 'Web UI', 'explain'], recent.map((m) => {
    const outcome = el('span', { style: `color:${colourOf(m.outcome)};font-weight:600`, ...(m.reason ? { title: m.reason } : {}) }, m.outcome);
    return row([timeLabel(m.t, true), outcome, m.from !== undefined ? `${m.from}→${m.to}` : '–', link(m.webUi, 'history'), el('code', {}, `kinetic explain ${m.id}`)], { 'data-decision': m.id, 'data-outcome': m.outcome });
  }), { 'data-table': 'decisions' });
}

function pendingTable(v) {
  if (!v.pending.length) return el('div', { class: 'empty', 'data-table': 'pending' }, 'None waiting.');
  return table(['decision', 'waiting', 'Web UI', 'answer with'], v.pending.map((p) =>
    row([p.id, `${Math.round(p.ageSeconds / 60)} min`, link(p.webUi, 'history'), el('code', {}, p.approve)], { 'data-pending': p.id })), { 'data-table': 'pending' });
}

function budgetTable(v) {
  if (!v.budget.length) return el('div', { class: 'empty', 'data-table': 'budget' }, 'No budget read.');
  return table(['level', 'name', 'limit / month#', 'used#', 'alerts'], v.budget.map((b) =>
    row([b.level, b.name, b.limit.toFixed(2), `${b.pct.toFixed(1)} %`, b.alerts.join(' ') || '–'], { 'data-budget-level': b.level })), { 'data-table': 'budget' });
}

function accuracyTable(v) {
  return table(['window', 'steps#', 'MAPE#', 'accuracy#'], v.accuracy.map((a) =>
    row([`${a.minutes} min`, a.points, a.mape === null ? '–' : `${(a.mape * 100).toFixed(1)} %`, a.accuracy === null ? '–' : `${(a.accuracy * 100).toFixed(1)} %`], { 'data-window': a.minutes })), { 'data-table': 'accuracy' });
}

function panel(v) {
  const s = el('section', { class: 'service', id: `service-${v.service}`, 'data-service': v.service });
  s.appendChild(el('h2', {}, v.service));
  const last = v.markers.filter((m) => m.outcome !== 'awaiting-approval').sort((a, b) => b.t - a.t)[0];
  s.appendChild(el('div', { class: 'meta' }, `metric ${v.metric}, ${v.stepSeconds} s steps · ${v.markers.length} decision(s) shown · ${last ? `last: ${last.outcome} at ${timeLabel(last.t, true)} UTC` : 'no decision yet'}`));
  for (const p of v.problems) s.appendChild(el('div', { class: 'problem' }, `Not shown: ${p}`));
  s.appendChild(el('h3', {}, 'Demand: observed, forecast P50 and P10–P90 band, decisions'));
  s.appendChild(demandChart(v));
  s.appendChild(el('h3', {}, 'Capacity: planned vs ready'));
  s.appendChild(capacityChart(v));
  const grid = el('div', { class: 'grid' });
  const box = (title, content) => {
    const d = el('div');
    d.appendChild(el('h3', {}, title));
    d.appendChild(content);
    grid.appendChild(d);
  };
  box('Decisions (newest first)', decisionsTable(v));
  box('Pending approvals', pendingTable(v));
  box('Budget use per level (projected monthly)', budgetTable(v));
  box('Forecast accuracy (ensemble)', accuracyTable(v));
  s.appendChild(grid);
  return s;
}

function legend() {
  const box = document.getElementById('legend');
  const items = [
    ['observed demand', SERIES.observed, true], ['forecast P50', SERIES.p50, true], ['P10–P90 band', 'rgba(31,99,180,0.35)', true],
    ['planned instances', SERIES.planned, true], ['ready instances', SERIES.ready, true],
    ['committed', OUTCOME_COLOURS.committed], ['no-change', OUTCOME_COLOURS['no-change']], ['dry-run', OUTCOME_COLOURS['dry-run']],
    ['awaiting approval', OUTCOME_COLOURS['awaiting-approval']], ['rolled back / failed', OUTCOME_COLOURS.failed], ['rejected / held', REJECTED],
  ];
  for (const [name, colour, isLine] of items) box.appendChild(el('span', { style: `--c:${colour}`, class: isLine ? 'line' : 'dot' }, name));
}

function status(text) {
  document.getElementById('status').textContent = text;
}

function drawAll(data) {
  const main = document.getElementById('services');
  main.textContent = '';
  for (const v of data.services) main.appendChild(panel(v));
  status(`${data.services.length} service(s) · data from ${new Date(data.generatedAt).toISOString().slice(0, 19)}Z · live updates connecting…`);
}

function replace(v) {
  const old = document.getElementById(`service-${v.service}`);
  const fresh = panel(v);
  if (old) old.replaceWith(fresh);
  else document.getElementById('services').appendChild(fresh);
  document.body.dataset.updates = String(Number(document.body.dataset.updates || '0') + 1);
}

function listen() {
  const events = new EventSource('/events');
  events.addEventListener('hello', () => status(`${document.querySelectorAll('section.service').length} service(s) · live (server-sent events)`));
  events.addEventListener('service', (e) => {
    replace(JSON.parse(e.data));
    status(`${document.querySelectorAll('section.service').length} service(s) · live · last update ${new Date().toISOString().slice(11, 19)} UTC`);
  });
  events.addEventListener('problem', (e) => status(`live updates: ${JSON.parse(e.data).message}`));
  events.onerror = () => status('live updates lost; the browser reconnects…');
}

legend();
drawAll(JSON.parse(document.getElementById('initial').textContent));
// The time from navigation to the panels drawn and laid out (reading a size forces style and layout
// now; only rasterising the frame is left): what bench/dashboard.ts reads.
document.body.dataset.height = String(Math.round(document.body.getBoundingClientRect().height));
document.body.dataset.drawnMs = performance.now().toFixed(1);
document.body.dataset.drawn = 'true';
window.addEventListener('load', () => setTimeout(listen, 0));

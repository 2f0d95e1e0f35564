/** Tiny inline-SVG chart primitives for the self-contained report (no libraries, no network). */

export interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Scale {
  x(v: number): number;
  y(v: number): number;
}

export function linearScale(box: Box, xMin: number, xMax: number, yMin: number, yMax: number): Scale {
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  const xs = xMax === xMin ? 1 : xMax - xMin;
  const ys = yMax === yMin ? 1 : yMax - yMin;
  return {
    x: (v) => box.left + ((v - xMin) / xs) * w,
    y: (v) => box.top + h - ((v - yMin) / ys) * h,
  };
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

export function polyline(xs: readonly number[], ys: readonly number[], s: Scale, color: string, width = 1.2, extra = ''): string {
  const pts = xs.map((x, i) => `${f(s.x(x))},${f(s.y(ys[i]))}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts}" ${extra}/>`;
}

/** A step line (value held until the next x), how instance counts behave. */
export function stepLine(xs: readonly number[], ys: readonly number[], s: Scale, color: string, width = 1.2): string {
  const pts: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    const next = i + 1 < xs.length ? xs[i + 1] : xs[i] + 1;
    pts.push(`${f(s.x(xs[i]))},${f(s.y(ys[i]))}`, `${f(s.x(next))},${f(s.y(ys[i]))}`);
  }
  return `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts.join(' ')}"/>`;
}

export function band(xs: readonly number[], lo: readonly number[], hi: readonly number[], s: Scale, color: string): string {
  const top = xs.map((x, i) => `${f(s.x(x))},${f(s.y(hi[i]))}`);
  const bottom = xs.map((x, i) => `${f(s.x(x))},${f(s.y(lo[i]))}`).reverse();
  return `<polygon fill="${color}" stroke="none" points="${[...top, ...bottom].join(' ')}"/>`;
}

export function axes(box: Box, s: Scale, xTicks: number[], yTicks: number[], xLabel: string, yLabel: string, fmtX = f, fmtY = f): string {
  const x0 = box.left;
  const x1 = box.width - box.right;
  const y0 = box.height - box.bottom;
  const parts = [`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/>`, `<line x1="${x0}" y1="${box.top}" x2="${x0}" y2="${y0}" stroke="#444"/>`];
  for (const t of xTicks) {
    const x = f(s.x(t));
    parts.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#444"/><text x="${x}" y="${y0 + 16}" text-anchor="middle">${fmtX(t)}</text>`);
  }
  for (const t of yTicks) {
    const y = f(s.y(t));
    parts.push(`<line x1="${x0 - 4}" y1="${y}" x2="${x1}" y2="${y}" stroke="#ddd"/><text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end">${fmtY(t)}</text>`);
  }
  parts.push(`<text x="${(x0 + x1) / 2}" y="${box.height - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(box.top + y0) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
  return parts.join('');
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function svg(box: Box, body: string): string {
  return `<svg width="${box.width}" height="${box.height}" viewBox="0 0 ${box.width} ${box.height}" font-family="sans-serif" font-size="11">${body}</svg>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Timestamp parsing for series and request logs, in epoch milliseconds (NaN when unreadable).
 * Zone-less "YYYY-MM-DD HH:MM:SS" is read as UTC (the NAB convention); bare numbers are epoch
 * seconds, or milliseconds when too large to be seconds.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  if (s === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s);
  return Date.parse(zoneless ? `${s.replace(' ', 'T')}Z` : s);
}

/** "30s", "1m", "5m", "1h", "1d" or plain seconds → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/i.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };
  return n * factor[unit];
}

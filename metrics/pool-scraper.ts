import { appendFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';

/**
 * Scrapes every pool member's Prometheus `/metrics` (members listed by the pool's balancer at
 * /lb/members) and hands the pool's request rate with its time to `record` (the local-pool
 * source's history: a CSV or Postgres), or appends it to `csvPath` (the demo). Counters are
 * tracked per member pid, so members joining or leaving never count twice.
 */

function fetchText(url: string, timeoutMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sum of a counter over all its label sets in Prometheus text format. */
export function counterTotal(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

export interface PoolScraper {
  /** Latest rate (requests per second). */
  readonly lastRate: number;
  stop(): void;
}

export interface PoolScraperOptions {
  lbUrl: string;
  intervalMs: number;
  /** Receives each rate (requests per second) and when it was measured (epoch ms). */
  record?: (rate: number, at: number) => unknown;
  /** Or: a CSV with one `column` of rates, started anew unless `append`. */
  csvPath?: string;
  column?: string;
  append?: boolean;
}

export function startPoolScraper(opts: PoolScraperOptions): PoolScraper {
  const csvPath = opts.csvPath;
  if (csvPath && !opts.append) writeFileSync(csvPath, `${opts.column ?? 'rps'}\n`);
  const last = new Map<number, number>();
  let lastAt = Date.now();
  let primed = false;
  const state = { lastRate: 0 };
  const tick = async () => {
    try {
      const lb = JSON.parse(await fetchText(`${opts.lbUrl}/lb/members`)) as { members: Array<{ host: string; port: number; pid: number }> };
      let delta = 0;
      for (const m of lb.members) {
        const total = counterTotal(await fetchText(`http://${m.host}:${m.port}/metrics`).catch(() => ''), 'sample_http_requests_total');
        delta += Math.max(0, total - (last.get(m.pid) ?? 0));
        last.set(m.pid, total);
      }
      const now = Date.now();
      state.lastRate = delta / ((now - lastAt) / 1000);
      lastAt = now;
      // The first tick only learns the counters (members may have served requests for hours).
      if (primed) {
        if (csvPath) appendFileSync(csvPath, `${state.lastRate.toFixed(2)}\n`);
        await opts.record?.(state.lastRate, now);
      }
      primed = true;
    } catch {
      // The balancer restarts with the pool; the next tick catches up. A sample the history could
      // not store stays missing (Postgres history: an explicit gap).
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  return {
    get lastRate() {
      return state.lastRate;
    },
    stop: () => clearInterval(timer),
  };
}

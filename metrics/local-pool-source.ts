import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MetricSeries, MetricsInputError, MetricsSource } from './contract';
import { readCsvValues } from './csv-source';
import { PoolScraper, startPoolScraper } from './pool-scraper';

/**
 * The local pool's own metrics: every member's Prometheus /metrics (members found through the
 * pool's balancer), scraped every step by the worker process and kept as a request-rate history
 * file, so decisions see the pool's real load and the history survives worker restarts.
 */
export interface LocalPoolSourceOptions {
  service: string;
  /** The pool's balancer, e.g. http://127.0.0.1:19100. */
  lbUrl: string;
  /** Where the rate history is kept (one `rps` column). */
  historyFile: string;
  stepSeconds: number;
  historyPoints: number;
}

/** One scraper per history file for the life of the process (decisions come and go). */
const scrapers = new Map<string, PoolScraper>();

export class LocalPoolMetricsSource implements MetricsSource {
  readonly kind = 'local-pool';
  constructor(private readonly opts: LocalPoolSourceOptions) {}

  private ensureScraper(): void {
    if (scrapers.has(this.opts.historyFile)) return;
    mkdirSync(dirname(this.opts.historyFile), { recursive: true });
    const scraper = startPoolScraper({
      lbUrl: this.opts.lbUrl,
      csvPath: this.opts.historyFile,
      column: 'rps',
      intervalMs: this.opts.stepSeconds * 1000,
      append: existsSync(this.opts.historyFile),
    });
    scrapers.set(this.opts.historyFile, scraper);
  }

  async range(_service: string, _metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    this.ensureScraper();
    // A fresh pool has no history yet: wait (up to three steps) for the two points a forecast needs.
    const read = () => (existsSync(this.opts.historyFile) ? readCsvValues({ path: this.opts.historyFile, valueColumn: 'rps', historyPoints: this.opts.historyPoints }).values : []);
    let values: number[] = [];
    try {
      values = read();
    } catch {
      values = [];
    }
    const deadline = Date.now() + 3 * this.opts.stepSeconds * 1000 + 1000;
    while (values.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        values = read();
      } catch {
        values = [];
      }
    }
    if (values.length < 2) {
      throw new MetricsInputError(`local pool of "${this.opts.service}": no request rates from ${this.opts.lbUrl}/lb/members yet; is the pool running?`);
    }
    const wanted = Math.max(1, Math.floor((end.getTime() - start.getTime()) / 1000 / stepSeconds));
    const tail = values.slice(-wanted);
    return { start: end.getTime() - tail.length * stepSeconds * 1000, stepSeconds, values: tail, gaps: [] };
  }
}

/** Stops every scraper (tests, worker shutdown). */
export function stopLocalPoolScrapers(): void {
  for (const s of scrapers.values()) s.stop();
  scrapers.clear();
}

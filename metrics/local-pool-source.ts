import { MetricSeries, MetricsInputError, MetricsSource } from './contract';
import { PoolScraper, startPoolScraper } from './pool-scraper';
import type { RateHistory } from './rate-history';

/**
 * The local pool's own metrics: every member's Prometheus /metrics (members found through the
 * pool's balancer), scraped every step by the worker process and kept as a request-rate history
 * (a CSV under the state dir, or Postgres with `state.store: postgres`), so decisions see the
 * pool's real load and the history survives worker restarts.
 */
export interface LocalPoolSourceOptions {
  service: string;
  /** The pool's balancer, e.g. http://127.0.0.1:19100. */
  lbUrl: string;
  /** Where the rate history is kept. */
  history: RateHistory;
  stepSeconds: number;
  historyPoints: number;
}

/** One scraper per history for the life of the process (decisions come and go). */
const scrapers = new Map<string, PoolScraper>();

export class LocalPoolMetricsSource implements MetricsSource {
  readonly kind = 'local-pool';
  constructor(private readonly opts: LocalPoolSourceOptions) {}

  private ensureScraper(): void {
    const { history } = this.opts;
    if (scrapers.has(history.where)) return;
    const scraper = startPoolScraper({
      lbUrl: this.opts.lbUrl,
      intervalMs: this.opts.stepSeconds * 1000,
      record: (rate, at) => history.append(rate, at),
    });
    scrapers.set(history.where, scraper);
  }

  async range(_service: string, _metric: string, start: Date, end: Date, stepSeconds: number): Promise<MetricSeries> {
    this.ensureScraper();
    const wanted = Math.max(1, Math.min(this.opts.historyPoints, Math.floor((end.getTime() - start.getTime()) / 1000 / stepSeconds)));
    const read = () => this.opts.history.read(wanted, stepSeconds, end);
    const observed = (s: MetricSeries) => s.values.filter((v) => !Number.isNaN(v)).length;
    // A fresh pool has no history yet: wait (up to three steps) for the two points a forecast needs.
    let series = await read();
    const deadline = Date.now() + 3 * this.opts.stepSeconds * 1000 + 1000;
    while (observed(series) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      series = await read();
      end = new Date(Math.max(end.getTime(), Date.now()));
    }
    if (observed(series) < 2) {
      throw new MetricsInputError(`local pool of "${this.opts.service}": no request rates from ${this.opts.lbUrl}/lb/members yet; is the pool running?`);
    }
    return series;
  }
}

/** Stops every scraper (tests, worker shutdown). */
export function stopLocalPoolScrapers(): void {
  for (const s of scrapers.values()) s.stop();
  scrapers.clear();
}

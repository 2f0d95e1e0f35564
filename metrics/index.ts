import type { MetricsConfig } from '../config/schema';
import { MetricsInputError, MetricsSource } from './contract';
import { CsvMetricsSource } from './csv-source';
import { PrometheusMetricsSource } from './prometheus-source';

/** Builds the metrics source a service's config names. New kinds register here. */
export type MetricsFactory = (cfg: MetricsConfig) => MetricsSource;

const factories = new Map<string, MetricsFactory>();

export function registerMetricsSource(source: string, factory: MetricsFactory): void {
  factories.set(source, factory);
}

registerMetricsSource('csv', (cfg) => {
  if (cfg.source !== 'csv') throw new Error('bad factory');
  return new CsvMetricsSource({ path: cfg.path, valueColumn: cfg.valueColumn, timeColumn: cfg.timeColumn, historyPoints: cfg.historyPoints });
});

registerMetricsSource('prometheus', (cfg) => {
  if (cfg.source !== 'prometheus') throw new Error('bad factory');
  return new PrometheusMetricsSource({ url: cfg.url, query: cfg.query });
});

export function createMetricsSource(cfg: MetricsConfig): MetricsSource {
  const factory = factories.get(cfg.source);
  if (!factory) {
    throw new MetricsInputError(`metrics.source "${cfg.source}" is not available in this build; use one of: ${[...factories.keys()].join(', ')}`);
  }
  return factory(cfg);
}

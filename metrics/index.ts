import { join } from 'node:path';
import type { MetricsConfig, ServiceConfig, StateConfig } from '../config/schema';
import { postgresHandle } from '../store/postgres';
import { MetricsInputError, MetricsSource } from './contract';
import { CsvMetricsSource } from './csv-source';
import { LocalPoolMetricsSource } from './local-pool-source';
import { PrometheusMetricsSource } from './prometheus-source';
import { FileRateHistory, PostgresRateHistory } from './rate-history';

/** Builds the metrics source a service's config names. New kinds register here. */
export interface MetricsContext {
  service: string;
  serviceConfig: ServiceConfig;
  stateRoot: string;
  /** `state:` of kinetic.yaml: where the local pool's rate history lives (files when absent). */
  state?: StateConfig;
}

export type MetricsFactory = (cfg: MetricsConfig, ctx?: MetricsContext) => MetricsSource;

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
  return new PrometheusMetricsSource({ url: cfg.url, query: cfg.query, minSeries: cfg.minSeries });
});

registerMetricsSource('local-pool', (cfg, ctx) => {
  if (cfg.source !== 'local-pool' || !ctx) throw new Error('bad factory');
  const prov = ctx.serviceConfig.provisioner;
  const basePort = prov.type === 'pulumi-local' ? prov.basePort : undefined;
  const lbUrl = cfg.url ?? (basePort ? `http://127.0.0.1:${basePort - 1}` : undefined);
  if (!lbUrl) {
    throw new MetricsInputError(`services.${ctx.service}.metrics.url: required for source local-pool unless provisioner is pulumi-local with a basePort`);
  }
  return new LocalPoolMetricsSource({
    service: ctx.service,
    lbUrl: lbUrl.replace(/\/$/, ''),
    history:
      ctx.state?.store === 'postgres'
        ? new PostgresRateHistory(postgresHandle(ctx.state.postgres), ctx.service, cfg.stepSeconds)
        : new FileRateHistory(join(ctx.stateRoot, 'metrics', `${ctx.service}-rps.csv`)),
    stepSeconds: cfg.stepSeconds,
    historyPoints: cfg.historyPoints,
  });
});

export function createMetricsSource(cfg: MetricsConfig, ctx?: MetricsContext): MetricsSource {
  const factory = factories.get(cfg.source);
  if (!factory) {
    throw new MetricsInputError(`metrics.source "${cfg.source}" is not available in this build; use one of: ${[...factories.keys()].join(', ')}`);
  }
  return factory(cfg, ctx);
}

import { getService, loadConfig, LoadedConfig } from '../config/load';
import type { ServiceConfig } from '../config/schema';
import { createMetricsSource } from '../metrics';
import type { MetricsSource } from '../metrics/contract';
import type { Provisioner } from '../provisioners/contract';
import { createProvisioner } from '../provisioners';
import { tierId } from '../planning/allocation';
import { auditLogFor, type AuditLog } from '../store/audit';

/**
 * What activities need from the outside world. The worker builds it from kinetic.yaml; tests may
 * inject a provisioner or metrics source. The config is re-read per activity so edits apply
 * without restarting workers (a bad edit fails the next decision with a clear message).
 */
export interface ActivityDeps {
  config(): LoadedConfig;
  service(name: string): ServiceConfig;
  provisioner(service: string): Provisioner;
  metrics(service: string): MetricsSource;
  /** The source of one extra forecast: `dimensionMetrics.<name>` or `regionMetrics.<name>`. */
  extraMetrics(service: string, kind: 'dimensionMetrics' | 'regionMetrics', name: string): MetricsSource;
  /** The audit log `state.audit` names (file or Postgres). */
  ledger(): AuditLog;
}

export interface DepsOptions {
  configPath?: string;
  /** Overrides for tests or embedding: take precedence over what the config names. */
  provisioner?: (service: string, cfg: ServiceConfig, stateRoot: string) => Provisioner | undefined;
  metrics?: (service: string, cfg: ServiceConfig) => MetricsSource | undefined;
  /** An audit log instead of the one `state.audit` names (tests: a sink that fails on purpose). */
  ledger?: () => AuditLog;
}

export function createDeps(opts: DepsOptions = {}): ActivityDeps {
  const provisioners = new Map<string, Provisioner>();
  const config = () => loadConfig(opts.configPath);
  const deps: ActivityDeps = {
    config,
    service: (name) => getService(config(), name),
    provisioner(service) {
      const cfg = config();
      const svc = getService(cfg, service);
      // Cache per service and provisioner config, so a long-lived provisioner (Pulumi workspace) is reused.
      const key = `${service}:${JSON.stringify(svc.provisioner)}:${svc.activeTemplate ?? ''}:${cfg.stateRoot}`;
      let p = provisioners.get(key);
      if (!p) {
        p = opts.provisioner?.(service, svc, cfg.stateRoot) ??
          createProvisioner(svc.provisioner, {
            service,
            stateRoot: cfg.stateRoot,
            minInstances: svc.minInstances,
            initialTiers: svc.pools ? Object.fromEntries(svc.pools.map((p) => [tierId(p), p.min])) : undefined,
            serviceConfig: svc,
          });
        provisioners.set(key, p);
      }
      return p;
    },
    metrics(service) {
      const cfg = config();
      const svc = getService(cfg, service);
      return opts.metrics?.(service, svc) ?? createMetricsSource(svc.metrics, { service, serviceConfig: svc, stateRoot: cfg.stateRoot, state: cfg.state });
    },
    extraMetrics(service, kind, name) {
      const cfg = config();
      const svc = getService(cfg, service);
      const m = svc[kind]?.[name];
      if (!m) throw new Error(`services.${service}.${kind}.${name} is not configured`);
      return createMetricsSource(m, { service, serviceConfig: svc, stateRoot: cfg.stateRoot, state: cfg.state });
    },
    ledger: () => opts.ledger?.() ?? auditLogFor(opts.configPath),
  };
  return deps;
}

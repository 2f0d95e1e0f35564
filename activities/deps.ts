import { getService, loadConfig, LoadedConfig } from '../config/load';
import type { ServiceConfig, StateConfig } from '../config/schema';
import { createMetricsSource } from '../metrics';
import type { MetricsSource } from '../metrics/contract';
import type { Provisioner } from '../provisioners/contract';
import type { ProvisionerSettings } from '../decision/context';
import { createProvisioner } from '../provisioners';
import { tierId } from '../planning/allocation';
import { auditLogFor, createAuditLog, type AuditLog } from '../store/audit';

/**
 * What activities need from the outside world. The worker builds it from kinetic.yaml; tests may
 * inject a provisioner or metrics source. The config is re-read per activity so edits apply
 * without restarting workers (a bad edit fails the next decision with a clear message).
 */
export interface ActivityDeps {
  config(): LoadedConfig;
  service(name: string): ServiceConfig;
  provisioner(service: string): Provisioner;
  /** The provisioner as a decision recorded it at its start (compensation: no config read). */
  provisionerFrom(service: string, settings: ProvisionerSettings): Provisioner;
  metrics(service: string): MetricsSource;
  /** The source of one extra forecast: `dimensionMetrics.<name>` or `regionMetrics.<name>`. */
  extraMetrics(service: string, kind: 'dimensionMetrics' | 'regionMetrics', name: string): MetricsSource;
  /** The audit log `state.audit` names (file or Postgres); with `at`, the one a decision recorded at its start. */
  ledger(at?: { state: StateConfig; stateRoot: string }): AuditLog;
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
  /** This host's state directory from the last kinetic.yaml that loaded (a bad edit does not move it). */
  let lastStateRoot: string | undefined;
  const config = () => {
    const cfg = loadConfig(opts.configPath);
    lastStateRoot = cfg.stateRoot;
    return cfg;
  };
  /** This worker's own state directory; the recorded one only if no kinetic.yaml ever loaded here. */
  const localStateRoot = (recorded: string): string => {
    try {
      return config().stateRoot;
    } catch {
      return lastStateRoot ?? recorded;
    }
  };
  /** Cached per service and provisioner config, so a long-lived provisioner (Pulumi workspace) is reused. */
  const build = (service: string, st: ProvisionerSettings): Provisioner => {
    const key = `${service}:${JSON.stringify(st.config)}:${st.activeTemplate ?? ''}:${JSON.stringify(st.serviceConfig?.templates ?? '')}:${st.stateRoot}`;
    let p = provisioners.get(key);
    if (!p) {
      // Recorded settings carry the service config only where the provisioner needs it (pulumi-aws).
      const svc = st.serviceConfig ?? ({ provisioner: st.config, minInstances: st.minInstances, activeTemplate: st.activeTemplate } as unknown as ServiceConfig);
      p = opts.provisioner?.(service, svc, st.stateRoot) ??
        createProvisioner(st.config, {
          service,
          stateRoot: st.stateRoot,
          minInstances: st.minInstances,
          initialTiers: st.initialTiers,
          serviceConfig: st.serviceConfig,
        });
      provisioners.set(key, p);
    }
    return p;
  };
  const deps: ActivityDeps = {
    config,
    service: (name) => getService(config(), name),
    provisioner(service) {
      const cfg = config();
      const svc = getService(cfg, service);
      return build(service, {
        config: svc.provisioner,
        stateRoot: cfg.stateRoot,
        minInstances: svc.minInstances,
        initialTiers: svc.pools ? Object.fromEntries(svc.pools.map((p) => [tierId(p), p.min])) : undefined,
        activeTemplate: svc.activeTemplate,
        serviceConfig: svc,
      });
    },
    // The state directory is this host's, never the one recorded by the worker that ran the first
    // step: a decision continued on another host must not use (or create) that host's paths.
    provisionerFrom: (service, settings) => build(service, { ...settings, stateRoot: localStateRoot(settings.stateRoot) }),
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
    ledger: (at) => opts.ledger?.() ?? (at ? createAuditLog(at.state, localStateRoot(at.stateRoot)) : auditLogFor(opts.configPath)),
  };
  return deps;
}

import { join } from 'node:path';
import { parseBackendUrl } from './pulumi/backend-url';
import type { ProvisionerConfig, ServiceConfig } from '../config/schema';
import type { Provisioner } from './contract';
import { DryRunProvisioner } from './dry-run';
import { FaultInjectingProvisioner } from './fault-injecting';
import { createPulumiLocalProvisioner } from './pulumi-local';
import { awsSpecFor } from './pulumi-aws/spec';
import { createPulumiAwsProvisioner } from './pulumi-aws';
import { createPulumiKubernetesProvisioner } from './pulumi-kubernetes';

/** Builds the provisioner a service's config names. New kinds register here. */
export interface ProvisionerEnv {
  service: string;
  stateRoot: string;
  minInstances: number;
  /** A tiered service's pools at their minimum (pool id → instances), the fleet's starting point. */
  initialTiers?: Record<string, number>;
  /** The service's whole config (provisioners that derive their spec from pools and templates). */
  serviceConfig?: ServiceConfig;
}

export type ProvisionerFactory = (cfg: ProvisionerConfig, env: ProvisionerEnv) => Provisioner;

const factories = new Map<string, ProvisionerFactory>();

export function registerProvisioner(type: string, factory: ProvisionerFactory): void {
  factories.set(type, factory);
}

registerProvisioner('dry-run', (cfg, env) => {
  const initial = 'initialInstances' in cfg && cfg.initialInstances !== undefined ? cfg.initialInstances : env.minInstances;
  // A tiered fleet starts at its pools' minimums; initialInstances sizes a single-pool fleet.
  return new DryRunProvisioner({ stateRoot: env.stateRoot, initialInstances: initial, initialTiers: env.initialTiers });
});

registerProvisioner('fault-injecting', (cfg, env) => {
  if (cfg.type !== 'fault-injecting') throw new Error('bad factory');
  return new FaultInjectingProvisioner(
    { stateRoot: env.stateRoot, initialInstances: cfg.initialInstances ?? env.minInstances, initialTiers: env.initialTiers },
    { failApplyAfterPartial: cfg.failApplyAfterPartial, failVerify: cfg.failVerify, failRollback: cfg.failRollback, applyDelayMs: cfg.applyDelayMs },
  );
});

/** `provisioner.backend` with relative `file://` paths resolved from stateDir; undefined = the default under stateDir. */
function backendOf(cfg: { backend?: string }, env: ProvisionerEnv): string | undefined {
  return cfg.backend === undefined ? undefined : parseBackendUrl(cfg.backend, env.stateRoot).url;
}

registerProvisioner('pulumi-local', (cfg, env) => {
  if (cfg.type !== 'pulumi-local') throw new Error('bad factory');
  return createPulumiLocalProvisioner({
    rootDir: join(env.stateRoot, 'pulumi'),
    backend: backendOf(cfg, env),
    secrets: { passphraseFile: cfg.passphraseFile, secretsProvider: cfg.secretsProvider },
    services: {
      [env.service]: {
        basePort: cfg.basePort,
        command: cfg.command,
        env: cfg.env,
        healthPath: cfg.healthPath,
        ...(cfg.loadBalancer ? {} : { loadBalancer: false as const }),
      },
    },
  });
});

registerProvisioner('pulumi-aws', (cfg, env) => {
  if (cfg.type !== 'pulumi-aws' || !env.serviceConfig) throw new Error('pulumi-aws needs the service config');
  return createPulumiAwsProvisioner({
    rootDir: join(env.stateRoot, 'pulumi-aws'),
    backend: backendOf(cfg, env),
    secrets: { passphraseFile: cfg.passphraseFile, secretsProvider: cfg.secretsProvider },
    spec: awsSpecFor(env.service, env.serviceConfig, cfg),
    specForTemplate: (version) => awsSpecFor(env.service, env.serviceConfig!, cfg, version),
    verifyTimeoutMs: cfg.verifyTimeout * 1000,
    verifyPollMs: cfg.verifyPoll * 1000,
  });
});

registerProvisioner('pulumi-kubernetes', (cfg, env) => {
  if (cfg.type !== 'pulumi-kubernetes') throw new Error('bad factory');
  return createPulumiKubernetesProvisioner({
    rootDir: join(env.stateRoot, 'pulumi-kubernetes'),
    backend: backendOf(cfg, env),
    secrets: { passphraseFile: cfg.passphraseFile, secretsProvider: cfg.secretsProvider },
    kubeconfig: cfg.kubeconfig,
    context: cfg.context,
    target: { service: env.service, ...cfg.workload, mode: cfg.mode, hpa: cfg.hpa ?? cfg.workload.name, fieldManager: cfg.fieldManager, container: cfg.container },
    templates: env.serviceConfig?.templates,
    verifyTimeoutMs: cfg.verifyTimeout * 1000,
    verifyPollMs: cfg.verifyPoll * 1000,
  });
});

export function createProvisioner(cfg: ProvisionerConfig, env: ProvisionerEnv): Provisioner {
  const factory = factories.get(cfg.type);
  if (!factory) {
    throw new Error(`provisioner.type "${cfg.type}" is not available in this build; use one of: ${[...factories.keys()].join(', ')}`);
  }
  return factory(cfg, env);
}

import { join } from 'node:path';
import type { ProvisionerConfig } from '../config/schema';
import type { Provisioner } from './contract';
import { DryRunProvisioner } from './dry-run';
import { FaultInjectingProvisioner } from './fault-injecting';
import { createPulumiLocalProvisioner } from './pulumi-local';

/** Builds the provisioner a service's config names. New kinds register here. */
export interface ProvisionerEnv {
  service: string;
  stateRoot: string;
  minInstances: number;
}

export type ProvisionerFactory = (cfg: ProvisionerConfig, env: ProvisionerEnv) => Provisioner;

const factories = new Map<string, ProvisionerFactory>();

export function registerProvisioner(type: string, factory: ProvisionerFactory): void {
  factories.set(type, factory);
}

registerProvisioner('dry-run', (cfg, env) => {
  const initial = 'initialInstances' in cfg && cfg.initialInstances !== undefined ? cfg.initialInstances : env.minInstances;
  return new DryRunProvisioner({ stateRoot: env.stateRoot, initialInstances: initial });
});

registerProvisioner('fault-injecting', (cfg, env) => {
  if (cfg.type !== 'fault-injecting') throw new Error('bad factory');
  return new FaultInjectingProvisioner(
    { stateRoot: env.stateRoot, initialInstances: cfg.initialInstances ?? env.minInstances },
    { failApplyAfterPartial: cfg.failApplyAfterPartial, failVerify: cfg.failVerify, applyDelayMs: cfg.applyDelayMs },
  );
});

registerProvisioner('pulumi-local', (cfg, env) => {
  if (cfg.type !== 'pulumi-local') throw new Error('bad factory');
  return createPulumiLocalProvisioner({
    rootDir: join(env.stateRoot, 'pulumi'),
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

export function createProvisioner(cfg: ProvisionerConfig, env: ProvisionerEnv): Provisioner {
  const factory = factories.get(cfg.type);
  if (!factory) {
    throw new Error(`provisioner.type "${cfg.type}" is not available in this build; use one of: ${[...factories.keys()].join(', ')}`);
  }
  return factory(cfg, env);
}

/**
 * kinetic.yaml → budget roots and the limits each budget request carries: one authority for the
 * company when `budgets:` is configured, else one per budget pool.
 */
import type { LoadedConfig } from '../config/load';
import { budgetRoot, type BudgetLimits } from '../decision/budget-book';
import { budgetTree } from './planning-spec';

export function poolOf(cfg: LoadedConfig, service: string): string {
  return cfg.services[service]?.budget.pool ?? service;
}

/** The root the service's budget answers to. */
export function budgetRootOf(cfg: LoadedConfig, service: string): string {
  return budgetRoot(budgetTree(cfg), poolOf(cfg, service));
}

/** Every root of the config, each with the services under it. */
export function budgetRoots(cfg: LoadedConfig): Map<string, string[]> {
  const roots = new Map<string, string[]>();
  for (const name of Object.keys(cfg.services)) {
    const root = budgetRootOf(cfg, name);
    roots.set(root, [...(roots.get(root) ?? []), name]);
  }
  return roots;
}

/** The tree and alert routing of this config snapshot (nothing without a `budgets:` block). */
export function budgetLimits(cfg: LoadedConfig): BudgetLimits {
  const tree = budgetTree(cfg);
  if (!tree || !cfg.budgets) return {};
  const { thresholds, webhook } = cfg.budgets.alerts;
  return { tree, alerts: { thresholds, ...(webhook ? { webhook } : {}) } };
}

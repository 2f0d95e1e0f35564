import { availableModels, hasModel } from '../models/registry';
import { DEFAULT_PLANNER_MODELS } from '../planning/predictive/options';

/**
 * The planner's models from `--forecaster LIST`: models/registry names, plus two names kept from
 * the first simulator: `baseline` (= seasonalNaive) and `auto` (= the product's default models).
 */
export function resolveModels(list: string): string[] {
  const out: string[] = [];
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    const names = name === 'auto' ? [...DEFAULT_PLANNER_MODELS] : [name === 'baseline' ? 'seasonalNaive' : name];
    for (const n of names) {
      if (!hasModel(n)) throw new EngineMissingError(name, `unknown or unavailable model; use baseline, auto or one of: ${availableModels().join(', ')}`);
      if (!out.includes(n)) out.push(n);
    }
  }
  if (out.length === 0) throw new EngineMissingError(list, 'name at least one model');
  return out;
}

export class EngineMissingError extends Error {
  constructor(name: string, why: string) {
    super(`--forecaster ${name}: ${why}`);
    this.name = 'EngineMissingError';
  }
}

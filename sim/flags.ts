/**
 * Validation of numeric command-line flags. Throws FlagError naming the flag and the fix;
 * the CLI turns it into a UserError.
 */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
}

export function numberFlag(flag: string, raw: string | undefined, rule: NumberRule, fallback?: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new FlagError(`--${flag}: required; ${describe(rule)}`);
    return fallback;
  }
  const v = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    (rule.integer && !Number.isInteger(v)) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.above !== undefined && v <= rule.above) ||
    (rule.max !== undefined && v > rule.max);
  if (bad) throw new FlagError(`--${flag}: "${raw}" is not valid; ${describe(rule)}`);
  return v;
}

export function optionalNumberFlag(flag: string, raw: string | undefined, rule: NumberRule): number | undefined {
  return raw === undefined ? undefined : numberFlag(flag, raw, rule);
}

function describe(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return `give ${kind}${parts.length ? ` ${parts.join(' and ')}` : ''}`;
}

/** Input checks shared by the planning math: every bad number is a RangeError naming the field. */

export function requireNonNegative(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

export function requirePositive(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field} must be a finite number > 0, got ${value}`);
  }
  return value;
}

export function requireCount(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a whole number >= 0, got ${value}`);
  }
  return value;
}

export function requireFraction(value: number, field: string, opts: { allowOne?: boolean } = {}): number {
  const allowOne = opts.allowOne ?? true;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1 || (!allowOne && value === 1)) {
    throw new RangeError(`${field} must be a fraction in [0, ${allowOne ? '1]' : '1)'}, got ${value}`);
  }
  return value;
}

/** A tiny epsilon keeps exact multiples (e.g. 100 / 50) from rounding up through float noise. */
export const EPSILON = 1e-9;

/**
 * ceil that ignores float noise: a count a millionth above an integer (a regression's rounding,
 * 100 / 50 computed the long way) is that integer, not the next one.
 */
export function ceilExact(x: number): number {
  return Math.max(0, Math.ceil(x - EPSILON - 1e-6 * Math.abs(x)));
}

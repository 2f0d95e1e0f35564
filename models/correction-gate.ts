import { studentTQuantile } from './student-t';

/**
 * Whether a learned correction (e.g. a GRU on top of a structural forecast) earns its place.
 * It is judged on out-of-sample forecasts from rolling origins inside the training part: every
 * pair holds the absolute error of the simpler forecast and of the corrected one for the same
 * member and origin, and the time block (cross-validation fold) the origin belongs to.
 *
 * Kept only when all of these hold, else the simpler forecast stands (the default when in doubt:
 * a small net on a few noisy windows can add more noise than signal, and a gate that passes by
 * luck on one block is what made the per-cluster model miss its target in benchmark run 4):
 * 1. size: at least `minMembers` members (else "holds across members" cannot be checked), at
 *    least `minBlocks` blocks with `minOriginsPerBlock` origins each, and at least 3h origins
 *    (about three forecasts that do not overlap);
 * 2. consistency: the mean gain is positive in every time block and not negative for any member;
 * 3. significance: the Diebold–Mariano test of equal accuracy (absolute-error loss), with the
 *    Harvey–Leybourne–Newbold small-sample correction, rejects at one-sided `level` in favour of
 *    the correction. Gains are averaged over members per origin first (members at the same origin
 *    share the machine's noise, so they are not independent), and h-step forecasts from
 *    neighbouring origins overlap, so the variance of the mean gain includes h − 1 autocovariances.
 */
export interface PairedError {
  member: string;
  origin: number;
  block: number;
  /** Absolute error of the simpler forecast. */
  base: number;
  /** Absolute error of the corrected forecast. */
  corrected: number;
}

export interface GateOptions {
  horizon: number;
  /** One-sided test level (default 0.05). */
  level?: number;
  minMembers?: number;
  minBlocks?: number;
  minOriginsPerBlock?: number;
}

export interface GateVerdict {
  keep: boolean;
  reason: string;
  /** Mean of base − corrected over all pairs (> 0: the correction lowers the error). */
  meanGain: number;
  blockGains: number[];
  memberGains: Record<string, number>;
  /** HLN-corrected Diebold–Mariano statistic and its critical value, when the test ran. */
  dm?: number;
  critical?: number;
}

export const GATE_DEFAULTS = { level: 0.05, minMembers: 2, minBlocks: 3, minOriginsPerBlock: 4 };

export function gateCorrection(pairs: readonly PairedError[], opts: GateOptions): GateVerdict {
  const h = opts.horizon;
  const level = opts.level ?? GATE_DEFAULTS.level;
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`correction gate: horizon must be a positive integer of steps, got ${h}`);
  if (!(level > 0 && level < 0.5)) throw new RangeError(`correction gate: level must be in (0, 0.5), got ${level}`);
  pairs.forEach((p, i) => {
    if (!Number.isFinite(p.base) || !Number.isFinite(p.corrected)) throw new RangeError(`correction gate: pair ${i} (member ${p.member}, origin ${p.origin}) has a non-finite error; drop forecasts that could not be made`);
  });
  const gain = (ps: readonly PairedError[]) => (ps.length ? ps.reduce((a, p) => a + p.base - p.corrected, 0) / ps.length : NaN);
  const group = <K>(key: (p: PairedError) => K) => {
    const m = new Map<K, PairedError[]>();
    for (const p of pairs) m.set(key(p), [...(m.get(key(p)) ?? []), p]);
    return m;
  };
  const byBlock = [...group((p) => p.block).entries()].sort((a, b) => a[0] - b[0]);
  const byMember = group((p) => p.member);
  const byOrigin = [...group((p) => p.origin).entries()].sort((a, b) => a[0] - b[0]);
  const verdict = {
    meanGain: gain(pairs),
    blockGains: byBlock.map(([, ps]) => gain(ps)),
    memberGains: Object.fromEntries([...byMember.entries()].map(([m, ps]) => [m, gain(ps)])),
  };
  const reject = (reason: string, extra: Partial<GateVerdict> = {}): GateVerdict => ({ keep: false, reason, ...verdict, ...extra });
  const tooSmall = sizeProblem(pairs, opts);
  if (tooSmall) return reject(tooSmall);
  const worseBlock = verdict.blockGains.findIndex((g) => !(g > 0));
  if (worseBlock >= 0) return reject(`no gain in block ${byBlock[worseBlock][0]} (mean gain ${verdict.blockGains[worseBlock].toPrecision(3)})`);
  const worseMember = Object.entries(verdict.memberGains).find(([, g]) => g < 0);
  if (worseMember) return reject(`worse for member ${worseMember[0]} (mean gain ${worseMember[1].toPrecision(3)})`);
  const d = byOrigin.map(([, ps]) => gain(ps));
  // Forecasts from origins less than h apart overlap: n origins hold about n / h independent ones,
  // and fewer than three leave the variance of the mean gain with almost no degrees of freedom.
  const fewOrigins = tooFewOriginsForTest(d.length, h);
  const test = fewOrigins ? undefined : dieboldMariano(d, h);
  if (test === undefined) return reject(fewOrigins ?? `${d.length} origins are too few for the test at horizon ${h} (need at least 3h = ${3 * h})`);
  const critical = studentTQuantile(1 - level, d.length - 1);
  const stats = { dm: test, critical };
  return test > critical
    ? { keep: true, reason: `lower error in every block and for every member; DM ${fmt(test)} > t(${d.length - 1}) ${fmt(critical)} at level ${level}`, ...verdict, ...stats }
    : reject(`not significant: DM ${fmt(test)} <= t(${d.length - 1}) ${fmt(critical)} at level ${level}`, stats);
}

/** Where a forecast was made: the part of a pair the size rules read. */
export type PairSlot = Pick<PairedError, 'member' | 'origin' | 'block'>;

/**
 * Rule 1's member and block sizes, or undefined when they hold. Known before any correction is
 * fitted (the slots are the cross-validation windows), so a caller can skip fitting one that
 * could never be kept.
 */
export function sizeProblem(slots: readonly PairSlot[], opts: Partial<Pick<GateOptions, 'minMembers' | 'minBlocks' | 'minOriginsPerBlock'>> = {}): string | undefined {
  const minMembers = opts.minMembers ?? GATE_DEFAULTS.minMembers;
  const minBlocks = opts.minBlocks ?? GATE_DEFAULTS.minBlocks;
  const minOrigins = opts.minOriginsPerBlock ?? GATE_DEFAULTS.minOriginsPerBlock;
  const members = new Set(slots.map((p) => p.member)).size;
  if (members < minMembers) return `${members} member(s): at least ${minMembers} are needed to see that it holds across members`;
  const blocks = new Map<number, Set<number>>();
  for (const p of slots) blocks.set(p.block, (blocks.get(p.block) ?? new Set()).add(p.origin));
  const counts = [...blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o.size);
  if (counts.length < minBlocks || counts.some((n) => n < minOrigins)) return `${counts.length} block(s) with ${counts.join('/')} origins: at least ${minBlocks} blocks of ${minOrigins} origins are needed`;
  return undefined;
}

/** Rule 3's size: h-step forecasts from fewer than 3h origins overlap too much for the test. */
export function tooFewOriginsForTest(origins: number, h: number): string | undefined {
  return origins >= 3 * h ? undefined : `${origins} origins are too few for the test at horizon ${h} (need at least 3h = ${3 * h})`;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/**
 * Diebold–Mariano statistic of a loss-differential series `d` for h-step forecasts, with the
 * Harvey–Leybourne–Newbold correction: mean(d) / sqrt(V / n), V = γ0 + 2 Σ_{k<h} γk (the
 * Newey–West / Bartlett weights when that sum is not positive), times
 * sqrt((n + 1 − 2h + h(h − 1)/n) / n). Undefined (too few origins) when that factor is not
 * positive or n < 2.
 */
export function dieboldMariano(d: readonly number[], h: number): number | undefined {
  const n = d.length;
  const hln = (n + 1 - 2 * h + (h * (h - 1)) / n) / n;
  if (n < 2 || !(hln > 0)) return undefined;
  const mean = d.reduce((a, x) => a + x, 0) / n;
  const gamma = (k: number) => {
    let s = 0;
    for (let t = k; t < n; t++) s += (d[t] - mean) * (d[t - k] - mean);
    return s / n;
  };
  const lags = Math.min(h - 1, n - 1);
  let v = gamma(0);
  for (let k = 1; k <= lags; k++) v += 2 * gamma(k);
  if (!(v > 0)) {
    v = gamma(0);
    for (let k = 1; k <= lags; k++) v += 2 * (1 - k / (lags + 1)) * gamma(k);
  }
  if (!(v > 1e-300)) return mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  return (mean / Math.sqrt(v / n)) * Math.sqrt(hln);
}

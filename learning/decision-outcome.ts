/**
 * Reading a decision's outcome as feedback on the forecast it acted on, from the audit ledger
 * alone (no realised demand). Pure: plain records in, a verdict out.
 */
import type { OutcomeKind } from './exp3';

/** The parts of an audit-ledger record the verdict needs. */
export interface DecisionFacts {
  outcome?: string;
  /** Plan direction: out = scale-out, in = scale-in. */
  direction?: 'out' | 'in' | 'none';
  verificationOk?: boolean;
  /** Epoch ms. */
  finishedAt?: number;
}

/**
 * Under-provisioned: a scale-out that was rolled back (the capacity never came), a failed
 * verification, or a committed scale-in reversed by a committed scale-out within `windowMs`
 * (it removed capacity that was needed). Over-provisioned: a committed scale-out reversed by a
 * committed scale-in within the window. Adequate: committed and not reversed once the window has
 * passed. Undefined: no evidence either way (rejected, dry-run, no change, window still open).
 */
export function classifyDecision(d: DecisionFacts, later: readonly DecisionFacts[], now: number, windowMs: number): OutcomeKind | undefined {
  if (d.verificationOk === false) return 'under-provisioned';
  if ((d.outcome === 'rolled-back' || d.outcome === 'compensation-failed') && d.direction === 'out') return 'under-provisioned';
  if (d.outcome !== 'committed' || d.finishedAt === undefined || (d.direction !== 'out' && d.direction !== 'in')) return undefined;
  const end = d.finishedAt + windowMs;
  const reversed = later.some(
    (x) => x.outcome === 'committed' && x.finishedAt !== undefined && x.finishedAt > d.finishedAt! && x.finishedAt <= end && x.direction !== d.direction && (x.direction === 'out' || x.direction === 'in'),
  );
  if (reversed) return d.direction === 'out' ? 'over-provisioned' : 'under-provisioned';
  return now >= end ? 'adequate' : undefined;
}

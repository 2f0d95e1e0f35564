/**
 * The error scale that standardises the planner's residuals: max(slow robust EWMA, fast EWMA) of
 * the one-step absolute error. The slow one is the noise level of calm stretches (errors above
 * `clip` × itself are clipped, so a single burst does not inflate it for hours); the fast one
 * rises within a few steps when a bursty stretch starts and falls back when it ends.
 */
export class TwoSpeedScale {
  private slow: number;
  private fast: number;

  constructor(
    initial: number,
    private readonly min: number,
    private readonly o: { slowAlpha: number; fastAlpha: number; clip: number },
  ) {
    this.slow = Math.max(min, initial);
    this.fast = this.slow;
  }

  update(absError: number): void {
    if (!Number.isFinite(absError)) return;
    const { slowAlpha, fastAlpha, clip } = this.o;
    this.slow = Math.max(this.min, (1 - slowAlpha) * this.slow + slowAlpha * Math.min(absError, clip * this.slow));
    this.fast = (1 - fastAlpha) * this.fast + fastAlpha * absError;
  }

  get value(): number {
    return Math.max(this.slow, this.fast);
  }
}

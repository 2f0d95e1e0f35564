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
    this.slow = Math.max(0, initial);
    this.fast = this.slow;
  }

  update(absError: number): void {
    if (!Number.isFinite(absError)) return;
    const { slowAlpha, fastAlpha, clip } = this.o;
    this.slow = (1 - slowAlpha) * this.slow + slowAlpha * Math.min(absError, clip * Math.max(this.min, this.slow));
    this.fast = (1 - fastAlpha) * this.fast + fastAlpha * absError;
  }

  /** The scale residuals are standardised by: never below the floor (an outage must not shrink it to 0). */
  get value(): number {
    return Math.max(this.min, this.slow, this.fast);
  }

  /** The errors' own size, without the floor (a perfectly flat history has none). */
  get observed(): number {
    return Math.max(this.slow, this.fast);
  }
}

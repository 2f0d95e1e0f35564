/**
 * Collection dropouts and outage zeros are missing data, not demand: a NaN, or a run of exact
 * zeros in a series that is rarely zero. Fed one observation at a time (causal), so the
 * simulator and a decision's replay see the same verdicts.
 */
export class DropoutDetector {
  private zeroRun = 0;
  /** Zeros of the current run judged to be demand (not yet counted: the run may still become a dropout). */
  private runDemand = 0;
  private readonly recent: Uint8Array;
  private head = 0;
  private filled = 0;
  private zeros = 0;
  /** Observations judged missing so far. */
  missing = 0;

  constructor(
    private readonly run: number,
    private readonly maxZeroShare: number,
    window: number,
  ) {
    this.recent = new Uint8Array(Math.max(1, window));
  }

  /** True when `v` is missing data (a zero run is judged on the observations before it). */
  push(v: number): boolean {
    if (!Number.isFinite(v)) {
      this.missing++;
      return true;
    }
    if (v === 0) {
      this.zeroRun++;
      const share = this.filled > 0 ? this.zeros / this.filled : 1;
      const missing = this.run > 0 && this.zeroRun >= this.run && share <= this.maxZeroShare;
      if (missing) {
        this.missing++;
        // The run's first zeros were part of the outage too.
        this.runDemand = 0;
      } else this.runDemand++;
      return missing;
    }
    // The zeros judged to be demand count only now, when the run is over.
    for (let i = 0; i < this.runDemand; i++) this.remember(1);
    this.runDemand = 0;
    this.zeroRun = 0;
    this.remember(0);
    return false;
  }

  private remember(zero: number): void {
    if (this.filled === this.recent.length) this.zeros -= this.recent[this.head];
    else this.filled++;
    this.recent[this.head] = zero;
    this.zeros += zero;
    this.head = (this.head + 1) % this.recent.length;
  }
}

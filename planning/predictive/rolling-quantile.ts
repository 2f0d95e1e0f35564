import { quantileSorted } from '../../models/quantiles';

/**
 * Quantiles of the last `capacity` values, kept sorted incrementally (binary insert + remove),
 * so a policy can re-read a quantile every step of a 40,000-step trace cheaply.
 */
export class RollingQuantile {
  private readonly fifo: number[] = [];
  private head = 0;
  private readonly sorted: number[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.sorted.length;
  }

  push(v: number): void {
    this.sorted.splice(this.lowerBound(v), 0, v);
    this.fifo.push(v);
    if (this.fifo.length - this.head > this.capacity) {
      const old = this.fifo[this.head++];
      this.sorted.splice(this.lowerBound(old), 1);
      // Compact the queue now and then so it does not grow without bound.
      if (this.head > 4096) {
        this.fifo.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  quantile(p: number): number {
    return quantileSorted(this.sorted, p);
  }

  /**
   * Like `quantile`, but beyond the top `tail` values (p > 1 − tail/size) it extrapolates an
   * exponential tail fitted to them (peaks over threshold): Q(p) = u + mean excess × ln(tail /
   * (size × (1 − p))), with u the tail's threshold. One order statistic says little about a 99.9%
   * quantile; the top `tail` together say more, and the knob can ask beyond the largest value seen.
   */
  tailQuantile(p: number, tail: number): number {
    const n = this.sorted.length;
    const k = Math.min(tail, n - 1);
    if (k < 2 || p <= 1 - k / n) return this.quantile(p);
    const u = this.sorted[n - 1 - k];
    let excess = 0;
    for (let i = n - k; i < n; i++) excess += this.sorted[i] - u;
    excess /= k;
    return u + excess * Math.log(k / (n * Math.max(1e-12, 1 - p)));
  }

  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Maximum over the last `window` indices, amortised O(1) per push (monotonic deque). */
export class SlidingMax {
  private readonly idx: number[] = [];
  private readonly val: number[] = [];
  private head = 0;

  constructor(private readonly window: number) {}

  push(i: number, v: number): void {
    while (this.val.length > this.head && this.val[this.val.length - 1] <= v) {
      this.val.pop();
      this.idx.pop();
    }
    this.idx.push(i);
    this.val.push(v);
  }

  /** Max over indices (last − window, last]; 0 when nothing is in the window. */
  max(last: number): number {
    while (this.head < this.idx.length && this.idx[this.head] <= last - this.window) this.head++;
    if (this.head > 4096) {
      this.idx.splice(0, this.head);
      this.val.splice(0, this.head);
      this.head = 0;
    }
    return this.head < this.val.length ? this.val[this.head] : 0;
  }
}

import { describe, expect, it } from 'vitest';
import { reactiveDecisions } from '../../sim/policies/reactive';

const ctx = (demand: number[], warmup: number, capacity = 10) => ({ demand, params: { capacity, bootSteps: 1, warmup } });

describe('reactive (HPA) policy', () => {
  it('follows the HPA rule with tolerance and stabilisation (hand-computed)', () => {
    // C·U = 5, S = 3. r_0 = need(10) = 1.
    // t=1: 10/(1·5) = 2 → ceil(10/5) = 2      t=2: 10/(2·5) = 1 → within tolerance, 2
    // t=3: 30/10 = 3 → 6                       t=4: 30/30 = 1 → 6
    // t=5: desired 1, window [6,6,1] → 6       t=6: window [6,1,1] → 6
    // t=7: window [1,1,1] → 1                  t=8: 5/(1·5) = 1 → 1
    const d = [10, 10, 30, 30, 5, 5, 5, 5, 5];
    expect(reactiveDecisions(ctx(d, 1), 0.5, 3)).toEqual([2, 2, 6, 6, 6, 6, 1, 1]);
  });

  it('scales up immediately and down only after S decisions', () => {
    const d = [50, 50, 50, 10, 10, 10, 10, 10, 10, 10];
    // U = 1: desired = ceil(d/10). Warm-up r_0 = 5. S = 4.
    expect(reactiveDecisions(ctx(d, 1), 1, 4)).toEqual([5, 5, 5, 5, 5, 5, 1, 1, 1]);
    expect(reactiveDecisions(ctx(d, 1), 1, 1)).toEqual([5, 5, 5, 1, 1, 1, 1, 1, 1]);
    // Up: the step after the jump is observed, the count follows at once whatever S is.
    expect(reactiveDecisions(ctx([10, 10, 80, 80, 80], 1), 1, 5)).toEqual([1, 1, 8, 8]);
  });

  it('holds the count while |ratio − 1| ≤ 0.1 and moves just outside it', () => {
    // W = 1: the first decision sees d_0 and r_0 = need(d_0) = ceil(d_0 / 10). C·U = 5.
    expect(reactiveDecisions(ctx([10.9, 0], 1), 0.5, 1)).toEqual([2]); // ratio 10.9/10 = 1.09: hold (plain rule: 3)
    expect(reactiveDecisions(ctx([11.1, 0], 1), 0.5, 1)).toEqual([3]); // ratio 1.11: ceil(2.22) = 3
    // Downward, U = 1: r = 10 instances, then 90 units → ratio 0.9: hold 10 (plain rule: 9); 89 → 9.
    expect(reactiveDecisions(ctx([100, 90, 0], 1), 1, 1)).toEqual([10, 10]);
    expect(reactiveDecisions(ctx([100, 89, 0], 1), 1, 1)).toEqual([10, 9]);
  });

  it('never goes below one instance', () => {
    expect(reactiveDecisions(ctx([0, 0, 0, 0], 1), 0.75, 1)).toEqual([1, 1, 1]);
  });
});

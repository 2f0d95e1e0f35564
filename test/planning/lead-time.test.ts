import { describe, expect, it } from 'vitest';
import { leadTime, MIN_LEAD_SAMPLES } from '../../planning/lead-time';

describe('lead time', () => {
  it('uses the configured value unless measuring is asked for and there are enough samples', () => {
    expect(leadTime(600, [100, 200, 300], false)).toMatchObject({ seconds: 600, source: 'configured' });
    const few = leadTime(600, [100, 200], true);
    expect(few).toMatchObject({ seconds: 600, source: 'configured' });
    expect(few.note).toMatch(new RegExp(`2 measured scale-out\\(s\\), ${MIN_LEAD_SAMPLES} needed`));
  });

  it('takes the median of the last ten valid samples, rounded up', () => {
    expect(leadTime(600, [300, 100, 200.2], true)).toMatchObject({ seconds: 201, source: 'measured' });
    expect(leadTime(600, [100, 200, 300, 400], true).seconds).toBe(250);
    const old = Array.from({ length: 10 }, () => 1000);
    expect(leadTime(600, [...old, ...Array.from({ length: 10 }, () => 50)], true).seconds).toBe(50);
    expect(leadTime(600, [NaN, -5, 90, 90, 90], true).seconds).toBe(90);
  });
});

import { describe, expect, it } from 'vitest';
import { stepEta } from './step-eta';

describe('stepEta', () => {
  it('is the median step time times the steps left', () => {
    const clock = [0, 5000, 5100, 5200, 5300];
    let i = 0;
    const eta = stepEta(() => clock[i++]!);
    expect(eta(0, 10)).toBeUndefined(); // step 0 starts at 5000: nothing timed yet
    expect(eta(1, 10)).toBe(100 * 9);
    expect(eta(2, 10)).toBe(100 * 8);
    expect(eta(3, 10)).toBe(100 * 7);
  });

  it('is not thrown off by one slow warm-up step', () => {
    const clock = [0, 4000, 4100, 4200];
    let i = 0;
    const eta = stepEta(() => clock[i++]!);
    expect(eta(1, 20)).toBe(4000 * 19);
    expect(eta(2, 20)).toBe(((4000 + 100) / 2) * 18);
    expect(eta(3, 20)).toBe(100 * 17);
  });
});

import { describe, expect, it } from 'vitest';
import { monthlyRequestsOf } from './monthly-volume.js';

const DAY = 24 * 3_600_000;
const NOW = new Date('2031-03-08T00:00:00.000Z').getTime();
const volume = (requests: number, coveredMs: number) => ({ requests, firstAt: new Date(NOW - coveredMs), lastAt: new Date(NOW) });

describe('monthlyRequestsOf', () => {
  it("is last week's volume × 30/7 when the data spans the week", () => {
    expect(monthlyRequestsOf(volume(7_000, 7 * DAY))).toBeCloseTo(30_000, 6);
    // A window can cover at most 7 days; more is never read as a thinner week.
    expect(monthlyRequestsOf(volume(7_000, 9 * DAY))).toBeCloseTo(30_000, 6);
  });

  it('scales by the time the requests actually cover when there are fewer than 7 days of them', () => {
    expect(monthlyRequestsOf(volume(2_000, 2 * DAY))).toBeCloseTo(30_000, 6);
    expect(monthlyRequestsOf(volume(350, 3.5 * DAY))).toBeCloseTo(3_000, 6);
  });

  it('never projects from less than a day: minutes of traffic count as a whole day of it', () => {
    expect(monthlyRequestsOf(volume(100, 5 * 60_000))).toBeCloseTo(3_000, 6);
    expect(monthlyRequestsOf(volume(1, 0))).toBeCloseTo(30, 6);
    expect(monthlyRequestsOf(volume(0, 0))).toBe(0);
  });
});

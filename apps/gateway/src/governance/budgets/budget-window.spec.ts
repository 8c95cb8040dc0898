import { describe, expect, it } from 'vitest';
import { budgetWindowAt, zonedMidnight } from './budget-window.js';

const at = (iso: string): number => new Date(iso).getTime();

describe('budget windows', () => {
  it('starts a month at local midnight of the 1st in its time zone', () => {
    const budget = { window: 'month', timeZone: 'America/New_York', usd: 1, alertFraction: 0.8 } as const;
    // 03:59 UTC on Dec 1 is still November in New York (UTC-5).
    const late = budgetWindowAt(budget, at('2026-12-01T04:59:59Z'));
    expect(late).toMatchObject({ kind: 'calendar', label: '2026-11' });
    expect(late.start.toISOString()).toBe('2026-11-01T04:00:00.000Z'); // EDT ended Nov 1 at 02:00 local, after midnight
    expect(late.kind === 'calendar' && late.end.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(budgetWindowAt(budget, at('2026-12-01T05:00:00Z'))).toMatchObject({ label: '2026-12' });
  });

  it('handles zones east of UTC and half-hour offsets', () => {
    const tokyo = budgetWindowAt({ window: 'day', timeZone: 'Asia/Tokyo', usd: 1, alertFraction: 0.8 }, at('2026-11-22T15:00:00Z'));
    expect(tokyo).toMatchObject({ label: '2026-11-23' });
    expect(tokyo.start.toISOString()).toBe('2026-11-22T15:00:00.000Z');
    expect(zonedMidnight(2026, 1, 1, 'Asia/Kolkata').toISOString()).toBe('2025-12-31T18:30:00.000Z');
  });

  it('gets DST days right: 23 and 25 hour days', () => {
    const berlin = { window: 'day', timeZone: 'Europe/Berlin', usd: 1, alertFraction: 0.8 } as const;
    const spring = budgetWindowAt(berlin, at('2026-03-29T12:00:00Z'));
    expect(spring.kind === 'calendar' && spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = budgetWindowAt(berlin, at('2026-10-25T12:00:00Z'));
    expect(autumn.kind === 'calendar' && autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
  });

  it('rolls over the last N days in hour buckets', () => {
    const w = budgetWindowAt({ window: 'rolling', days: 7, usd: 1, alertFraction: 0.8 }, at('2026-11-23T10:30:00Z'));
    expect(w).toMatchObject({ kind: 'rolling', hours: 168 });
    expect(w.start.toISOString()).toBe('2026-11-16T11:00:00.000Z');
  });
});

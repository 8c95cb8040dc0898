import type { Budget } from '@switchyard/contracts';

const HOUR_MS = 3_600_000;

/**
 * The spend window a budget is in at an instant. Calendar windows (day, month) have a label in
 * their time zone and a start instant; a rolling window has no label: it is the last `days` × 24
 * hours, counted in hour buckets.
 */
export type BudgetWindow =
  | { kind: 'calendar'; label: string; start: Date; end: Date }
  | { kind: 'rolling'; start: Date; hours: number; currentHour: number };

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
};

function localParts(at: number, timeZone: string): LocalParts {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). */
function offsetAt(at: number, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local wall-clock time (midnight, here) happens in `timeZone`. Offsets change at
 * DST transitions, so the guess is corrected once with the offset at the guessed instant.
 */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let instant = wall - offsetAt(wall, timeZone);
  instant = wall - offsetAt(instant, timeZone);
  return new Date(instant);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function budgetWindowAt(budget: Budget, now: number): BudgetWindow {
  if (budget.window === 'rolling') {
    const hours = budget.days * 24;
    const currentHour = Math.floor(now / HOUR_MS);
    return { kind: 'rolling', hours, currentHour, start: new Date((currentHour - hours + 1) * HOUR_MS) };
  }
  const p = localParts(now, budget.timeZone);
  if (budget.window === 'day') {
    const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
    return {
      kind: 'calendar',
      label: `${p.year}-${pad(p.month)}-${pad(p.day)}`,
      start: zonedMidnight(p.year, p.month, p.day, budget.timeZone),
      end: zonedMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), budget.timeZone),
    };
  }
  const nextMonth = new Date(Date.UTC(p.year, p.month, 1));
  return {
    kind: 'calendar',
    label: `${p.year}-${pad(p.month)}`,
    start: zonedMidnight(p.year, p.month, 1, budget.timeZone),
    end: zonedMidnight(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth() + 1, 1, budget.timeZone),
  };
}

/** What identifies a budget's spend counter: budgets with the same window share one, whatever their caps. */
export const windowIdentity = (budget: Budget): string => (budget.window === 'rolling' ? `rolling-${budget.days}d` : `${budget.window}-${budget.timeZone}`);

export { HOUR_MS };

import type { WorkloadVolume } from '@switchyard/db';

const DAY_MS = 24 * 3_600_000;

/** How far back a workload's traffic is counted for the projected monthly spend change. */
export const VOLUME_WINDOW_MS = 7 * DAY_MS;
const MONTH_MS = 30 * DAY_MS;
/**
 * The least time a workload's requests are taken to cover. A workload first seen minutes ago is
 * scaled as if those requests were a whole day's: that under-states a new workload's month, but a
 * burst of a few minutes is never multiplied by thousands into a month it may never have.
 */
export const MIN_COVERED_MS = DAY_MS;

/**
 * Requests per month at last week's volume: with a full week of data, last week's count × 30/7.
 * With less (a new workload), the count is scaled by the time it actually covers, from the first
 * request in the window to the last (at least `MIN_COVERED_MS`), rather than by 7 days, which would
 * project a workload that began on Friday as if it had been idle all week.
 */
export function monthlyRequestsOf(volume: Pick<WorkloadVolume, 'requests' | 'firstAt' | 'lastAt'>): number {
  if (volume.requests <= 0) return 0;
  const covered = Math.min(VOLUME_WINDOW_MS, Math.max(MIN_COVERED_MS, volume.lastAt.getTime() - volume.firstAt.getTime()));
  return (volume.requests * MONTH_MS) / covered;
}

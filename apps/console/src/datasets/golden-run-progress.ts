import type { GoldenRun, GoldenRunStatusName } from '@switchyard/contracts';

/** Statuses after which a run changes no more: polling stops there. */
export function isRunActive(status: GoldenRunStatusName): boolean {
  return status === 'queued' || status === 'running';
}

/** Calls finished either way: `done` (scored) and `failed` never overlap. */
export function finishedCalls(run: Pick<GoldenRun, 'progress'>): number {
  return run.progress.done + run.progress.failed;
}

/**
 * "120 of 300 items, 2 failed". The total counts item × model calls, so with several models the
 * text says so; the numbers are the API's own.
 */
export function progressText(run: Pick<GoldenRun, 'progress' | 'models'>): string {
  const { total, failed } = run.progress;
  const models = run.models.length;
  const unit = models > 1 ? `item × model calls (${models} models)` : total === 1 ? 'item' : 'items';
  return `${finishedCalls(run).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${unit}, ${failed.toLocaleString('en-US')} failed`;
}

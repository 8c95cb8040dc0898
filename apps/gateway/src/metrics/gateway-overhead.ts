import type { Attempt } from '../dispatch/attempt.js';
import type { CallRecord } from '../tracing/call-record.js';

export type OverheadInput = Pick<CallRecord, 'status' | 'stream' | 'startedPerf' | 'endedPerf' | 'sentAt' | 'target' | 'attempts'>;

/** The attempt whose answer the client got: the last one of the served model that neither failed, was skipped nor lost a race. */
const servingAttempt = (attempts: readonly Attempt[], model: string): Attempt | undefined =>
  attempts.findLast((a) => a.model === model && a.errorClass === undefined && a.skipped === undefined && a.cancelled !== true);

/**
 * The part of a served call's latency spent in the gateway itself, in ms: the call's total
 * (GatewayCall start to reply done) minus the time spent waiting on upstreams.
 *
 * - Before the serving attempt was sent (`sentAt`, from DispatchSuccess): everything since the
 *   start, minus the upstream time of earlier attempts: each failed sequential attempt's
 *   `latencyMs`, and a race that failed as a whole once, as its slowest leg (its legs ran side by
 *   side). What is left is routing, breaker checks, retry backoff and building the request.
 *   Race legs of the serving race itself ran alongside the winner, so they subtract nothing.
 * - After the serving attempt answered: for a JSON answer, the end minus (`sentAt` + the serving
 *   attempt's `latencyMs`, which runs to the full upstream body), i.e. handing the answer to the
 *   client. For a stream nothing: the attempt's `latencyMs` ends at the first chunk and the relay
 *   then moves at the upstream's pace, so the rest is upstream time that cannot be split finer.
 *
 * Undefined when nothing served the call (errors, cancellations) or a mid-stream break: there is
 * no upstream time to take away. Body parsing and guards run before the call starts and are not in it.
 */
export function gatewayOverheadMs(r: OverheadInput): number | undefined {
  if (r.status !== 'ok' || r.sentAt === undefined || !r.target) return undefined;
  const serving = servingAttempt(r.attempts, r.target.model.id);
  if (!serving) return undefined;
  let earlier = 0;
  let failedRace = 0;
  for (const a of r.attempts) {
    if (a === serving || a.skipped !== undefined) continue;
    if (a.race) {
      if (!serving.race) failedRace = Math.max(failedRace, a.latencyMs);
      continue;
    }
    earlier += a.latencyMs;
  }
  // Attempt latencies are rounded to 0.1 ms, so either side can come out a hair below zero.
  const before = Math.max(0, r.sentAt - r.startedPerf - earlier - failedRace);
  const after = r.stream ? 0 : Math.max(0, r.endedPerf - r.sentAt - serving.latencyMs);
  return before + after;
}

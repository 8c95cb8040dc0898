import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FallbackTrigger } from '@switchyard/contracts';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { type OutboundGrant, OutboundKeyPool } from '../providers/outbound/outbound-key-pool.service.js';
import type { CallTarget, JsonResult, StreamResult } from '../providers/provider.adapter.js';
import { ProviderRegistry } from '../providers/provider.registry.js';
import { UpstreamError } from '../providers/upstream.error.js';
import type { Attempt } from './attempt.js';
import { DEPLOYMENT_HEALTH, type DeploymentHealth, type DeploymentLease } from './deployment-health.port.js';
import type { DispatchPlan } from './dispatch-plan.js';

export interface DispatchSuccess<R> {
  result: R;
  target: CallTarget;
  attempts: Attempt[];
  fallbackReason?: FallbackTrigger;
  /** The winning call's admission; the caller settles it once the response is complete. */
  lease: DeploymentLease;
  /** performance.now() when the winning attempt was sent. */
  sentAt: number;
}

/** Thrown when no candidate answered; carries the attempts for the span and the client error. */
export class DispatchFailedError extends Error {
  constructor(
    readonly clientError: OpenAiHttpError,
    readonly attempts: Attempt[],
    readonly lastError: UpstreamError | undefined,
  ) {
    super(clientError.message);
    this.name = 'DispatchFailedError';
  }
}

/** A race leg that lost; its abort is the gateway's doing, not the client's. */
class RaceLostError extends Error {
  constructor() {
    super('another race leg answered first');
    this.name = 'RaceLostError';
  }
}

type Call<R> = (target: CallTarget, signal: AbortSignal) => Promise<R>;

/** One dispatch in progress: what every try of it needs and adds to. */
interface Run<R> {
  plan: DispatchPlan;
  call: Call<R>;
  attempts: Attempt[];
  /** The soonest a rate-limited candidate (an upstream 429, or held back by the outbound limits) has room again. */
  retryAfterMs?: number;
}

/** Output tokens reserved against a token ceiling when the request sets no max_tokens; corrected to the real usage after the call. */
export const DEFAULT_OUTPUT_RESERVE = 1_024;
/** Client error code when no candidate could be sent under the outbound limits. */
export const CAPACITY_CODE = 'upstream_capacity';

type Try<R> = { kind: 'ok'; result: R; target: CallTarget; lease: DeploymentLease; sentAt: number; attempt: Attempt } | { kind: 'failed'; error: UpstreamError } | { kind: 'skipped' } | { kind: 'cancelled' };

const round = (ms: number): number => Math.round(ms * 10) / 10;
const CONTEXT_LENGTH = /context[_ ]length|context[_ ]window|maximum context|too many tokens|prompt is too long/i;

/** The fallback trigger an upstream failure stands for. */
export function triggerOf(err: UpstreamError): FallbackTrigger | undefined {
  switch (err.errorClass) {
    case 'bad_request':
      return CONTEXT_LENGTH.test(`${err.upstreamCode ?? ''} ${err.message}`) ? 'context_length' : undefined;
    case 'rate_limited':
    case 'server_error':
    case 'timeout':
    case 'connection':
    case 'auth':
    case 'content_filter':
      return err.errorClass;
  }
}

/**
 * Executes a dispatch plan: the legs (one target, or a race), retries of the same deployment with
 * jittered exponential backoff that honours Retry-After, then the fallback chain on the plan's
 * triggers. Every call passes through its deployment's breaker and reports back to live state.
 * Client aborts are not upstream failures: they propagate unchanged.
 */
@Injectable()
export class UpstreamDispatcher {
  private readonly logger = new Logger(UpstreamDispatcher.name);

  constructor(
    private readonly registry: ProviderRegistry,
    @Inject(DEPLOYMENT_HEALTH) private readonly health: DeploymentHealth,
    private readonly keys: OutboundKeyPool,
  ) {}

  adapterFor(target: CallTarget): ReturnType<ProviderRegistry['forTarget']> {
    return this.registry.forTarget(target);
  }

  async dispatch<R extends JsonResult | StreamResult>(plan: DispatchPlan, signal: AbortSignal, call: Call<R>): Promise<DispatchSuccess<R>> {
    const run: Run<R> = { plan, call, attempts: [] };
    const { attempts } = run;
    let lastError: UpstreamError | undefined;
    let fallbackReason: FallbackTrigger | undefined;
    // After a context-length failure, only a larger window is worth trying.
    let minWindow = 0;
    const groups: CallTarget[][] = plan.legs.length > 1 ? [plan.legs, ...plan.fallbacks.map((t) => [t])] : [...plan.legs, ...plan.fallbacks].map((t) => [t]);

    for (const group of groups) {
      const eligible = group.filter((t) => {
        if (t.model.contextWindow > minWindow) return true;
        attempts.push({ model: t.model.id, provider: t.provider.name, latencyMs: 0, skipped: 'context_window' });
        return false;
      });
      if (eligible.length === 0) continue;
      const outcome = eligible.length > 1 ? await this.race(eligible, run, signal) : await this.withRetries(eligible[0], run, signal);
      if (outcome.kind === 'ok') return { result: outcome.result, target: outcome.target, attempts, fallbackReason, lease: outcome.lease, sentAt: outcome.sentAt };
      if (outcome.kind !== 'failed') continue;
      lastError = outcome.error;
      const trigger = triggerOf(outcome.error);
      if (!trigger || !plan.fallbackOn.has(trigger)) break;
      if (trigger === 'context_length') minWindow = Math.max(minWindow, ...eligible.map((t) => t.model.contextWindow));
      fallbackReason ??= trigger;
      this.logger.warn(`${eligible.map((t) => t.model.id).join('+')} failed (${outcome.error.errorClass}); trying the next candidate`);
    }
    throw new DispatchFailedError(toClientError(run, lastError), attempts, lastError);
  }

  private async withRetries<R extends JsonResult | StreamResult>(target: CallTarget, run: Run<R>, signal: AbortSignal): Promise<Try<R>> {
    const { plan } = run;
    let failure: Try<R> | undefined;
    for (let retry = 0; ; retry++) {
      const outcome = await this.tryOnce(target, signal, run, { retry });
      // A retry its breaker refuses ends the retries on the failure before it: fallback and the client error key off that.
      if (outcome.kind === 'skipped' && failure) return failure;
      if (outcome.kind !== 'failed') return outcome;
      failure = outcome;
      const { error } = outcome;
      if (retry >= plan.retries.max || !plan.retries.on.includes(error.errorClass as (typeof plan.retries.on)[number])) return outcome;
      const delay = backoffMs(retry, plan.retries.baseMs, plan.retries.maxMs, error.retryAfterMs);
      // A Retry-After longer than the cap: the fallback chain serves sooner than waiting would.
      if (delay === undefined) return outcome;
      await sleep(delay, undefined, { signal });
    }
  }

  /** Sends to every leg at once; the first success wins and the rest are aborted. */
  private race<R extends JsonResult | StreamResult>(legs: CallTarget[], run: Run<R>, signal: AbortSignal): Promise<Try<R>> {
    const { inputTokens } = run.plan;
    const controllers = legs.map(() => new AbortController());
    const onParentAbort = (): void => controllers.forEach((c) => c.abort(signal.reason));
    signal.addEventListener('abort', onParentAbort, { once: true });
    return new Promise<Try<R>>((resolve, reject) => {
      let pending = legs.length;
      let settled = false;
      let lastFailure: Try<R> = { kind: 'skipped' };
      const done = (): void => signal.removeEventListener('abort', onParentAbort);
      legs.forEach((leg, i) => {
        this.tryOnce(leg, controllers[i].signal, run, { race: true }).then(
          (outcome) => {
            pending--;
            if (outcome.kind === 'ok') {
              if (settled) {
                // Answered after the winner: nobody reads it, so drop it; it was still paid for.
                outcome.lease.release();
                const usage = outcome.result.stats.usage;
                outcome.attempt.cancelled = true;
                outcome.attempt.costUsd = usage ? usageCostUsd(leg, usage.inputTokens, usage.outputTokens) : usageCostUsd(leg, inputTokens, 0);
                if (outcome.result.kind === 'stream') void drain(outcome.result);
                return;
              }
              settled = true;
              controllers.forEach((c, j) => j !== i && c.abort(new RaceLostError()));
              done();
              resolve(outcome);
              return;
            }
            if (outcome.kind === 'failed') lastFailure = outcome;
            if (pending === 0 && !settled) {
              settled = true;
              done();
              resolve(lastFailure);
            }
          },
          (err: unknown) => {
            pending--;
            if (!settled) {
              settled = true;
              controllers.forEach((c) => c.abort(err));
              done();
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          },
        );
      });
    });
  }

  private async tryOnce<R extends JsonResult | StreamResult>(target: CallTarget, signal: AbortSignal, run: Run<R>, tags: { retry?: number; race?: boolean }): Promise<Try<R>> {
    const { attempts, plan } = run;
    const base: Attempt = { model: target.model.id, provider: target.provider.name, latencyMs: 0, ...(tags.retry ? { retry: tags.retry } : {}), ...(tags.race ? { race: true } : {}) };
    const lease = this.health.begin(target.model.id);
    if (!lease) {
      attempts.push({ ...base, skipped: 'breaker_open' });
      return { kind: 'skipped' };
    }
    const admission = await this.keys.acquire(target.provider, { inputTokens: plan.inputTokens, maxOutputTokens: outputReserve(plan, target) });
    if (!admission.ok) {
      // Not sent, so no verdict on the deployment; fallback treats it as the 429 the upstream would have answered.
      lease.release();
      const retryAfterMs = admission.retryAfterSeconds * 1_000;
      run.retryAfterMs = Math.min(run.retryAfterMs ?? retryAfterMs, retryAfterMs);
      attempts.push({ ...base, skipped: 'rate_limited', message: admission.message });
      const error = new UpstreamError({ errorClass: 'rate_limited', message: `${target.provider.name}: ${admission.message}`, provider: target.provider.name, model: target.model.id, retryAfterMs, upstreamCode: CAPACITY_CODE });
      return { kind: 'failed', error };
    }
    const { grant } = admission;
    const keyed = grant.secret === undefined ? target : { ...target, credential: grant.secret };
    if (grant.pooled) base.keyIndex = grant.keyIndex;
    const sentAt = performance.now();
    try {
      const answered = await run.call(keyed, signal);
      // A stream counts as served only once its first chunk arrived: until then nothing has reached the client, so a failure can still fall back.
      let result: JsonResult | StreamResult = answered.kind === 'stream' ? await primeStream(answered) : answered;
      if (grant.metersTokens) {
        if (result.kind === 'stream') result = settleAtEnd(result, grant);
        else grant.settle(result.stats.usage);
      }
      const attempt: Attempt = { ...base, latencyMs: round(performance.now() - sentAt), status: result.status };
      attempts.push(attempt);
      return { kind: 'ok', result: result as R, target, lease, sentAt, attempt };
    } catch (err) {
      const latencyMs = round(performance.now() - sentAt);
      if (signal.aborted) {
        lease.release();
        if (signal.reason instanceof RaceLostError) {
          // The prompt was sent and processed; what it generated before the abort is unknown.
          attempts.push({ ...base, latencyMs, cancelled: true, costUsd: usageCostUsd(target, plan.inputTokens, 0) });
          return { kind: 'cancelled' };
        }
        throw err;
      }
      if (!(err instanceof UpstreamError)) {
        lease.release();
        throw err;
      }
      // Answered with an error: whatever it would have generated was not.
      grant.settle({ inputTokens: plan.inputTokens, outputTokens: 0 });
      this.report(lease, grant, err, latencyMs, run);
      attempts.push({ ...base, latencyMs, errorClass: err.errorClass, status: err.status, message: err.message });
      return { kind: 'failed', error: err };
    }
  }

  /** Tells live state how the call failed. A 429 on one of several keys cools that key only: the deployment stays in rotation while another key is usable. */
  private report(lease: DeploymentLease, grant: OutboundGrant, err: UpstreamError, latencyMs: number, run: Run<unknown>): void {
    if (err.errorClass !== 'rate_limited') {
      lease.fail(err.errorClass, { latencyMs, retryAfterMs: err.retryAfterMs });
      return;
    }
    const wait = err.retryAfterMs ?? 1_000;
    run.retryAfterMs = Math.min(run.retryAfterMs ?? wait, wait);
    const keys = grant.rateLimited(err.retryAfterMs);
    if (keys.allKeysCooling) lease.fail('rate_limited', { latencyMs, retryAfterMs: keys.retryAfterMs });
    else lease.release();
  }
}

/** What a call may generate, for the token ceilings: its max_tokens, else a default that fits the model's window. */
function outputReserve(plan: DispatchPlan, target: CallTarget): number {
  if (plan.maxOutputTokens !== undefined) return plan.maxOutputTokens;
  return Math.max(0, Math.min(DEFAULT_OUTPUT_RESERVE, target.model.contextWindow - plan.inputTokens));
}

/** Reports a stream's usage to its key's token ceilings once the stream is over, however it ended. */
function settleAtEnd(result: StreamResult, grant: OutboundGrant): StreamResult {
  const { chunks, stats } = result;
  async function* metered(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield* chunks;
    } finally {
      grant.settle(stats.usage);
    }
  }
  return { ...result, chunks: metered() };
}

const usageCostUsd = (target: CallTarget, inputTokens: number, outputTokens: number): number =>
  (inputTokens * target.model.pricing.inputUsdPerMTok + outputTokens * target.model.pricing.outputUsdPerMTok) / 1_000_000;

/** Full-jitter exponential backoff, or Retry-After when the upstream gave one; undefined when that exceeds the cap. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, retryAfterMs: number | undefined, rng: () => number = Math.random): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= maxMs ? retryAfterMs : undefined;
  return Math.round(rng() * Math.min(maxMs, baseMs * 2 ** retry));
}

/** Waits for a stream's first chunk (rejecting as the stream would), then hands back the whole stream. */
async function primeStream(result: StreamResult): Promise<StreamResult> {
  const iterator = result.chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* replay(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // An early stop (client gone, race lost) must reach the upstream body, which aborts the request.
      await iterator.return?.();
    }
  }
  return { ...result, chunks: replay() };
}

async function drain(result: StreamResult): Promise<void> {
  try {
    for await (const chunk of result.chunks) void chunk;
  } catch {
    // A dropped leg's errors concern nobody.
  }
}

function toClientError(run: Run<unknown>, last: UpstreamError | undefined): OpenAiHttpError {
  const { plan, attempts } = run;
  const summary = attempts
    .map((a) => `${a.model} via ${a.provider}: ${a.skipped ?? (a.cancelled ? 'cancelled' : (a.errorClass ?? 'error'))}${a.status ? ` (HTTP ${a.status})` : ''}${a.message ? ` - ${a.message}` : ''}`)
    .join('; ');
  if (!last) {
    const excluded = plan.decision.excluded.map((e) => `${e.model}: ${e.reason}`).join('; ');
    const why = [summary, excluded].filter(Boolean).join('; ');
    return new OpenAiHttpError(503, `No upstream is available for this request${why ? `: ${why}` : ''}.`, 'upstream_error', 'no_available_upstream', null, { 'retry-after': '1' });
  }
  switch (last.errorClass) {
    case 'bad_request':
      // The request itself is wrong for this model: say so as the upstream did, with its code.
      return new OpenAiHttpError(last.status && last.status < 500 && last.status !== 401 ? last.status : 400, `Upstream rejected the request: ${summary}`, 'invalid_request_error', last.upstreamCode ?? 'upstream_bad_request');
    case 'content_filter':
      return new OpenAiHttpError(400, `Upstream refused the content: ${summary}`, 'invalid_request_error', 'content_filter');
    case 'rate_limited': {
      if (attempts.every((a) => a.errorClass === 'rate_limited' || a.skipped)) {
        // Nothing went out: every candidate was held back by the outbound limits (or out of rotation); the client may retry once a key has room.
        const nothingSent = attempts.every((a) => a.skipped);
        const retryAfterS = Math.max(1, Math.ceil((run.retryAfterMs ?? last.retryAfterMs ?? 1_000) / 1_000));
        if (nothingSent) return new OpenAiHttpError(429, `Every upstream is at its configured outbound capacity: ${summary}`, 'rate_limit_error', CAPACITY_CODE, null, { 'retry-after': String(retryAfterS) });
        return new OpenAiHttpError(429, `Every upstream is rate limited: ${summary}`, 'rate_limit_error', 'upstream_rate_limited', null, { 'retry-after': String(retryAfterS) });
      }
      return new OpenAiHttpError(502, `All ${attempts.length} upstream attempts failed: ${summary}`, 'upstream_error', 'upstream_unavailable');
    }
    case 'timeout':
      return new OpenAiHttpError(504, `All ${attempts.length} upstream attempts failed; the last timed out: ${summary}`, 'timeout_error', 'upstream_timeout');
    case 'server_error':
    case 'connection':
    case 'auth':
      return new OpenAiHttpError(502, `All ${attempts.length} upstream attempts failed: ${summary}`, 'upstream_error', 'upstream_unavailable');
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FallbackTrigger } from '@switchyard/contracts';
import { OpenAiHttpError } from '../errors/openai-error.js';
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
  ) {}

  adapterFor(target: CallTarget): ReturnType<ProviderRegistry['forTarget']> {
    return this.registry.forTarget(target);
  }

  async dispatch<R extends JsonResult | StreamResult>(plan: DispatchPlan, signal: AbortSignal, call: (target: CallTarget, signal: AbortSignal) => Promise<R>): Promise<DispatchSuccess<R>> {
    const attempts: Attempt[] = [];
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
      const outcome = eligible.length > 1 ? await this.race(eligible, plan.inputTokens, signal, call, attempts) : await this.withRetries(eligible[0], plan, signal, call, attempts);
      if (outcome.kind === 'ok') return { result: outcome.result, target: outcome.target, attempts, fallbackReason, lease: outcome.lease, sentAt: outcome.sentAt };
      if (outcome.kind !== 'failed') continue;
      lastError = outcome.error;
      const trigger = triggerOf(outcome.error);
      if (!trigger || !plan.fallbackOn.has(trigger)) break;
      if (trigger === 'context_length') minWindow = Math.max(minWindow, ...eligible.map((t) => t.model.contextWindow));
      fallbackReason ??= trigger;
      this.logger.warn(`${eligible.map((t) => t.model.id).join('+')} failed (${outcome.error.errorClass}); trying the next candidate`);
    }
    throw new DispatchFailedError(toClientError(plan, attempts, lastError), attempts, lastError);
  }

  private async withRetries<R extends JsonResult | StreamResult>(
    target: CallTarget,
    plan: DispatchPlan,
    signal: AbortSignal,
    call: (target: CallTarget, signal: AbortSignal) => Promise<R>,
    attempts: Attempt[],
  ): Promise<Try<R>> {
    let failure: Try<R> | undefined;
    for (let retry = 0; ; retry++) {
      const outcome = await this.tryOnce(target, signal, call, attempts, { retry });
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
  private race<R extends JsonResult | StreamResult>(
    legs: CallTarget[],
    inputTokens: number,
    signal: AbortSignal,
    call: (target: CallTarget, signal: AbortSignal) => Promise<R>,
    attempts: Attempt[],
  ): Promise<Try<R>> {
    const controllers = legs.map(() => new AbortController());
    const onParentAbort = (): void => controllers.forEach((c) => c.abort(signal.reason));
    signal.addEventListener('abort', onParentAbort, { once: true });
    return new Promise<Try<R>>((resolve, reject) => {
      let pending = legs.length;
      let settled = false;
      let lastFailure: Try<R> = { kind: 'skipped' };
      const done = (): void => signal.removeEventListener('abort', onParentAbort);
      legs.forEach((leg, i) => {
        this.tryOnce(leg, controllers[i].signal, call, attempts, { race: true, inputTokens }).then(
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

  private async tryOnce<R extends JsonResult | StreamResult>(
    target: CallTarget,
    signal: AbortSignal,
    call: (target: CallTarget, signal: AbortSignal) => Promise<R>,
    attempts: Attempt[],
    tags: { retry?: number; race?: boolean; inputTokens?: number },
  ): Promise<Try<R>> {
    const base = { model: target.model.id, provider: target.provider.name, ...(tags.retry ? { retry: tags.retry } : {}), ...(tags.race ? { race: true } : {}) };
    const lease = this.health.begin(target.model.id);
    if (!lease) {
      attempts.push({ ...base, latencyMs: 0, skipped: 'breaker_open' });
      return { kind: 'skipped' };
    }
    const sentAt = performance.now();
    try {
      const answered = await call(target, signal);
      // A stream counts as served only once its first chunk arrived: until then nothing has reached the client, so a failure can still fall back.
      const result = (answered.kind === 'stream' ? await primeStream(answered) : answered) as R;
      const attempt: Attempt = { ...base, latencyMs: round(performance.now() - sentAt), status: result.status };
      attempts.push(attempt);
      return { kind: 'ok', result, target, lease, sentAt, attempt };
    } catch (err) {
      const latencyMs = round(performance.now() - sentAt);
      if (signal.aborted) {
        lease.release();
        if (signal.reason instanceof RaceLostError) {
          // The prompt was sent and processed; what it generated before the abort is unknown.
          attempts.push({ ...base, latencyMs, cancelled: true, costUsd: usageCostUsd(target, tags.inputTokens ?? 0, 0) });
          return { kind: 'cancelled' };
        }
        throw err;
      }
      if (!(err instanceof UpstreamError)) {
        lease.release();
        throw err;
      }
      lease.fail(err.errorClass, { latencyMs, retryAfterMs: err.retryAfterMs });
      attempts.push({ ...base, latencyMs, errorClass: err.errorClass, status: err.status, message: err.message });
      return { kind: 'failed', error: err };
    }
  }
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

function toClientError(plan: DispatchPlan, attempts: Attempt[], last: UpstreamError | undefined): OpenAiHttpError {
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
        const retryAfterS = Math.max(1, Math.ceil((last.retryAfterMs ?? 1_000) / 1_000));
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

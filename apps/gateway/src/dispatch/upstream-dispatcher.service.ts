import { Injectable, Logger } from '@nestjs/common';
import { OpenAiHttpError } from '../errors/openai-error.js';
import type { CallTarget, JsonResult, StreamResult } from '../providers/provider.adapter.js';
import { ProviderRegistry } from '../providers/provider.registry.js';
import { UpstreamError, type UpstreamErrorClass } from '../providers/upstream.error.js';
import type { Attempt } from './attempt.js';

/** Classes where another deployment may well succeed. A bad request fails the same everywhere. */
const FALLBACK_ON: ReadonlySet<UpstreamErrorClass> = new Set(['rate_limited', 'server_error', 'timeout', 'connection', 'auth']);

export interface DispatchSuccess<R> {
  result: R;
  target: CallTarget;
  attempts: Attempt[];
  fallbackReason?: UpstreamErrorClass;
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

const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Tries the decision's candidates in order and falls back on retryable error classes.
 * Client aborts are not upstream failures: they propagate unchanged.
 */
@Injectable()
export class UpstreamDispatcher {
  private readonly logger = new Logger(UpstreamDispatcher.name);

  constructor(private readonly registry: ProviderRegistry) {}

  async dispatch<R extends JsonResult | StreamResult>(
    candidates: CallTarget[],
    signal: AbortSignal,
    call: (target: CallTarget) => Promise<R>,
  ): Promise<DispatchSuccess<R>> {
    const attempts: Attempt[] = [];
    let lastError: UpstreamError | undefined;
    let fallbackReason: UpstreamErrorClass | undefined;
    for (const target of candidates) {
      const started = performance.now();
      try {
        const result = await call(target);
        attempts.push({ model: target.model.id, provider: target.provider.name, latencyMs: round(performance.now() - started), status: result.status });
        return { result, target, attempts, fallbackReason };
      } catch (err) {
        if (signal.aborted || !(err instanceof UpstreamError)) throw err;
        lastError = err;
        attempts.push({
          model: target.model.id,
          provider: target.provider.name,
          latencyMs: round(performance.now() - started),
          errorClass: err.errorClass,
          status: err.status,
          message: err.message,
        });
        if (!FALLBACK_ON.has(err.errorClass)) break;
        fallbackReason ??= err.errorClass;
        this.logger.warn(`${target.model.id}@${target.provider.name} failed (${err.errorClass}); trying the next candidate`);
      }
    }
    throw new DispatchFailedError(toClientError(attempts, lastError), attempts, lastError);
  }

  adapterFor(target: CallTarget): ReturnType<ProviderRegistry['forTarget']> {
    return this.registry.forTarget(target);
  }
}

function toClientError(attempts: Attempt[], last: UpstreamError | undefined): OpenAiHttpError {
  const summary = attempts.map((a) => `${a.model} via ${a.provider}: ${a.errorClass ?? 'error'}${a.status ? ` (HTTP ${a.status})` : ''}${a.message ? ` - ${a.message}` : ''}`).join('; ');
  if (!last) return new OpenAiHttpError(502, 'No upstream candidate was available.', 'upstream_error', 'no_candidates');
  switch (last.errorClass) {
    case 'bad_request':
      // The request itself is wrong for this model: say so as the upstream did, with its code.
      return new OpenAiHttpError(last.status && last.status < 500 && last.status !== 401 ? last.status : 400, `Upstream rejected the request: ${summary}`, 'invalid_request_error', last.upstreamCode ?? 'upstream_bad_request');
    case 'content_filter':
      return new OpenAiHttpError(400, `Upstream refused the content: ${summary}`, 'invalid_request_error', 'content_filter');
    case 'rate_limited': {
      if (attempts.every((a) => a.errorClass === 'rate_limited')) {
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

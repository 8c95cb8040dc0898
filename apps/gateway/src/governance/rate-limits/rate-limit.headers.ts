import type { LimitState } from './sliding-window.limiter.js';

export type LimitDimension = 'requests' | 'tokens';

/** OpenAI's duration format for x-ratelimit-reset-*: "1s", "6m0s". */
export function formatResetDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(s / 60);
  return minutes > 0 ? `${minutes}m${s % 60}s` : `${s}s`;
}

/**
 * The `x-ratelimit-*` headers OpenAI clients read, for each dimension the caller is limited on.
 * With a key limit and a tenant limit on one dimension, the one with less room left is reported.
 */
export function rateLimitHeaders(states: readonly { dimension: LimitDimension; state: LimitState }[]): Record<string, string> {
  const tightest = new Map<LimitDimension, LimitState>();
  for (const { dimension, state } of states) {
    const seen = tightest.get(dimension);
    if (!seen || state.remaining < seen.remaining) tightest.set(dimension, state);
  }
  const headers: Record<string, string> = {};
  for (const [dimension, state] of tightest) {
    headers[`x-ratelimit-limit-${dimension}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${dimension}`] = formatResetDuration(state.resetSeconds);
  }
  return headers;
}

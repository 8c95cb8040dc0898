import type { Redis } from 'ioredis';
import { ADJUST_SCRIPT, CONSUME_SCRIPT } from './sliding-window.scripts.js';

export const WINDOW_SECONDS = 60;

/** One ceiling to charge: `cost` units (1 request, or N tokens) against `limit` per minute. */
export interface LimitCharge {
  key: string;
  limit: number;
  cost: number;
}

export interface LimitState {
  limit: number;
  /** Units left in the window after this charge. */
  remaining: number;
  /** Seconds until the window has fully drained (what OpenAI's x-ratelimit-reset-* means). */
  resetSeconds: number;
}

export type ConsumeOutcome =
  | { ok: true; second: number; states: LimitState[] }
  | {
      ok: false;
      /** Index into the charges of the limit that refused. */
      index: number;
      /** Seconds until enough of the window has drained; null when the cost alone is over the limit. */
      retryAfterSeconds: number | null;
      used: number;
    };

/**
 * Sliding one-minute rate limits shared by every gateway instance through Redis: all charges of
 * one request are taken together or not at all.
 */
export class SlidingWindowLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {}

  async consume(charges: readonly LimitCharge[]): Promise<ConsumeOutcome> {
    const second = Math.floor(this.clock() / 1000);
    if (charges.length === 0) return { ok: true, second, states: [] };
    const reply = (await this.redis.eval(CONSUME_SCRIPT, charges.length, ...charges.map((c) => c.key), second, WINDOW_SECONDS, ...charges.flatMap((c) => [c.limit, Math.max(0, Math.round(c.cost))]))) as number[];
    if (reply[0] === 1) {
      const states = charges.map((c, i) => {
        const used = reply[1 + 2 * i] ?? 0;
        const oldest = reply[2 + 2 * i] ?? second;
        return { limit: c.limit, remaining: Math.max(0, c.limit - used), resetSeconds: Math.max(1, oldest + WINDOW_SECONDS - second) };
      });
      return { ok: true, second, states };
    }
    const retry = reply[2] ?? WINDOW_SECONDS;
    return { ok: false, index: (reply[1] ?? 1) - 1, retryAfterSeconds: retry < 0 ? null : Math.max(1, retry), used: reply[3] ?? 0 };
  }

  /** Adds `delta` (negative to refund) to what was charged at `second`. */
  async adjust(key: string, second: number, delta: number): Promise<void> {
    const rounded = Math.round(delta);
    if (rounded === 0) return;
    await this.redis.eval(ADJUST_SCRIPT, 1, key, second, rounded);
  }
}

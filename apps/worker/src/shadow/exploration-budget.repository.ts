import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A held share of today's exploration budget, to be settled with what the probe really cost or released. */
export interface BudgetReservation {
  id: string;
  /** The UTC day whose budget it was taken from, so a probe that runs past midnight settles on the right day. */
  day: string;
  estimateUsd: number;
}

/**
 * `exhausted`: today's spend has reached the budget. `held`: it has not, but probes in flight hold
 * the rest; once they settle (usually under their estimates) there may be room again.
 */
export type ReserveResult = { granted: true; reservation: BudgetReservation } | { granted: false; reason: 'exhausted' | 'held' };

export interface BudgetUsage {
  day: string;
  spentUsd: number;
  /** Estimates of probes still in flight. */
  reservedUsd: number;
  openReservations: number;
}

const MICROS_PER_USD = 1_000_000;
/** A day's key outlives the day, so a probe started just before midnight can still settle on it. */
const KEY_TTL_SECONDS = 2 * 24 * 3_600;

/**
 * Integer micro-dollars, rounded up: the ledger may overstate a spend, never understate it.
 * Rounding to nano-dollars first drops float noise such as 0.00001 * 1e6 = 10.000000000000002.
 */
export const toMicros = (usd: number): number => Math.max(0, Math.ceil(Math.round(usd * 1e9) / 1e3));
const toUsd = (micros: number): number => micros / MICROS_PER_USD;

// A hash per day: `spent` and `reserved` in micro-dollars, plus one `r:<id>` field per open reservation.
const RESERVE = `
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local budget = tonumber(ARGV[1])
if spent >= budget then return 0 end
if spent + reserved >= budget then return -1 end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
redis.call('HSET', KEYS[1], 'r:' .. ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

// Swaps a reservation's estimate for the actual spend (0 to release it). An unknown id (settled already) is a no-op.
const SETTLE = `
local estimate = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])
if not estimate then return 0 end
redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
if estimate ~= '0' then redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. estimate) end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/**
 * The shadow probes' daily USD budget, kept in Redis so every worker process draws on one ledger.
 * A reservation is granted only while spent + reserved is under the budget, atomically (Lua), so
 * however many probes race, the day's spend ends at most one probe over the budget, provided each
 * estimate is an upper bound of its probe's cost.
 */
export class ExplorationBudgetRepository {
  private readonly scripts = { reserve: { text: RESERVE, sha: sha1(RESERVE) }, settle: { text: SETTLE, sha: sha1(SETTLE) } };

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Granted only while today's spend plus what probes in flight hold is under the budget. */
  async reserve(budgetUsdPerDay: number, estimateUsd: number): Promise<ReserveResult> {
    const day = this.today();
    const id = randomUUID();
    const answer = await this.run(this.scripts.reserve, this.key(day), [toMicros(budgetUsdPerDay), toMicros(estimateUsd), id, KEY_TTL_SECONDS]);
    if (answer === 1) return { granted: true, reservation: { id, day, estimateUsd } };
    return { granted: false, reason: answer === 0 ? 'exhausted' : 'held' };
  }

  /** Replaces the reservation's estimate by what the probe cost. False when it was settled (or released) before. */
  async settle(reservation: BudgetReservation, actualUsd: number): Promise<boolean> {
    return (await this.run(this.scripts.settle, this.key(reservation.day), [reservation.id, toMicros(actualUsd), KEY_TTL_SECONDS])) === 1;
  }

  /** The probe spent nothing (it failed before its call): hand the estimate back. */
  async release(reservation: BudgetReservation): Promise<boolean> {
    return this.settle(reservation, 0);
  }

  async usage(day = this.today()): Promise<BudgetUsage> {
    const fields = await this.redis.hgetall(this.key(day));
    return {
      day,
      spentUsd: toUsd(Number(fields['spent'] ?? 0)),
      reservedUsd: toUsd(Number(fields['reserved'] ?? 0)),
      openReservations: Object.keys(fields).filter((f) => f.startsWith('r:')).length,
    };
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  private key(day: string): string {
    return `${this.keyPrefix}:exploration-budget:shadow:${day}`;
  }

  /** EVALSHA, loading the script on a NOSCRIPT reply (first use, or after a Redis restart). */
  private async run(script: { text: string; sha: string }, key: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(script.text, 1, key, ...args);
    }
  }
}

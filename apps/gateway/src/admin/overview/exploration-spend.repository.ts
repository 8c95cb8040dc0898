import type { Redis } from 'ioredis';

/** Today's entry of the shadow probes' budget ledger, in USD. */
export interface ExplorationSpend {
  day: string;
  spentUsd: number;
  reservedUsd: number;
  openReservations: number;
}

const MICROS_PER_USD = 1_000_000;

/**
 * Reads the ledger the worker enforces the shadow budget on (ExplorationBudgetRepository in
 * apps/worker/src/shadow): one Redis hash per UTC day with `spent` and `reserved` in micro-dollars
 * and one `r:<id>` field per probe in flight. Read-only: only the worker reserves and settles.
 * The overview e2e spec writes through the worker's repository and reads here, so the two cannot drift apart.
 */
export class ExplorationSpendRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async today(now: Date = new Date()): Promise<ExplorationSpend> {
    const day = now.toISOString().slice(0, 10);
    const fields = await this.redis.hgetall(`${this.keyPrefix}:exploration-budget:shadow:${day}`);
    return {
      day,
      spentUsd: Number(fields['spent'] ?? 0) / MICROS_PER_USD,
      reservedUsd: Number(fields['reserved'] ?? 0) / MICROS_PER_USD,
      openReservations: Object.keys(fields).filter((f) => f.startsWith('r:')).length,
    };
  }
}

import type { Budget } from '@switchyard/contracts';
import type { SpendRepository, SpendScope } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { budgetWindowAt, HOUR_MS, windowIdentity } from './budget-window.js';
import { RESERVE_SCRIPT, SEED_SCRIPT, SETTLE_SCRIPT } from './budget-ledger.scripts.js';

const NANO = 1e9;
const toNano = (usd: number): number => Math.round(usd * NANO);
const DAY_S = 86_400;

/** A budget and whose spend it caps. */
export interface ScopedBudget {
  scope: SpendScope;
  budget: Budget;
}

/** One spend counter in Redis: the budgets of one scope that share a window share it. */
interface Counter {
  scope: SpendScope;
  /** The budget with the lowest cap, named when a request is refused. */
  budget: Budget;
  keys: [total: string, hours: string, index: string, alert: string];
  rolling: boolean;
  capNano: number;
  alertNano: number;
  oldestHour: number;
  ttlSeconds: number;
  windowStart: Date;
  windowLabel: string;
}

export interface Reservation {
  readonly counters: readonly Counter[];
  readonly amountNano: number;
  readonly hour: number;
}

export type ReserveOutcome = { ok: true; reservation: Reservation } | { ok: false; scope: SpendScope; budget: Budget; spentUsd: number };

/** A soft alert that fired: the first settlement of its window to reach the threshold. */
export interface BudgetAlert {
  scope: SpendScope;
  budget: Budget;
  window: string;
  spentUsd: number;
}

export interface SettleOutcome {
  /** Window total after settling, per counter (reservations still in flight included). */
  totals: { scope: SpendScope; usd: number }[];
  alerts: BudgetAlert[];
}

/**
 * Hard budgets, enforced atomically in Redis across gateway instances: a request reserves its
 * worst-case cost before it is sent and settles to its actual cost after. A request is admitted
 * while the window's total (settled spend plus reservations in flight) is under the cap, so the
 * window can end above the cap by at most one reservation. Each calendar window is its own
 * counter: nothing carries over. A counter Redis does not have is rebuilt from spans in Postgres.
 */
export class BudgetLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly spend: SpendRepository,
    private readonly clock: () => number = Date.now,
  ) {}

  async reserve(budgets: readonly ScopedBudget[], usd: number): Promise<ReserveOutcome> {
    const now = this.clock();
    const counters = this.countersFor(budgets, now);
    const hour = Math.floor(now / HOUR_MS);
    const amountNano = Math.max(0, toNano(usd));
    if (counters.length === 0) return { ok: true, reservation: { counters, amountNano, hour } };
    for (let round = 0; round < 3; round++) {
      const reply = (await this.redis.eval(RESERVE_SCRIPT, counters.length * 4, ...counters.flatMap((c) => c.keys), counters.length, amountNano, hour, ...counters.flatMap((c) => [c.capNano, c.rolling ? 1 : 0, c.oldestHour, c.ttlSeconds]))) as number[];
      const [status, ...rest] = reply;
      if (status === 1) return { ok: true, reservation: { counters, amountNano, hour } };
      if (status === 0) {
        const counter = counters[(rest[0] ?? 1) - 1];
        return { ok: false, scope: counter.scope, budget: counter.budget, spentUsd: (rest[1] ?? 0) / NANO };
      }
      await Promise.all(rest.map((i) => this.seed(counters[i - 1])));
    }
    throw new Error('budget counters kept disappearing while being seeded');
  }

  /** Books the actual cost against what was reserved; returns the totals and any soft alerts that fired. */
  async settle(reservation: Reservation, actualUsd: number): Promise<SettleOutcome> {
    const { counters } = reservation;
    if (counters.length === 0) return { totals: [], alerts: [] };
    const delta = Math.max(0, toNano(actualUsd)) - reservation.amountNano;
    const reply = (await this.redis.eval(SETTLE_SCRIPT, counters.length * 4, ...counters.flatMap((c) => c.keys), counters.length, delta, reservation.hour, ...counters.flatMap((c) => [c.rolling ? 1 : 0, c.alertNano, c.ttlSeconds]))) as number[];
    const totals: SettleOutcome['totals'] = [];
    const alerts: BudgetAlert[] = [];
    counters.forEach((c, i) => {
      const usd = (reply[2 * i] ?? 0) / NANO;
      totals.push({ scope: c.scope, usd });
      if (reply[2 * i + 1] === 1) alerts.push({ scope: c.scope, budget: c.budget, window: c.windowLabel, spentUsd: usd });
    });
    return { totals, alerts };
  }

  /** Current spend of one budget's window (settled plus in flight); 0 when Redis has no counter. */
  async spentUsd(scoped: ScopedBudget): Promise<number> {
    const [counter] = this.countersFor([scoped], this.clock());
    const raw = counter ? await this.redis.get(counter.keys[0]) : null;
    return raw === null ? 0 : Number(raw) / NANO;
  }

  private async seed(counter: Counter): Promise<void> {
    const hours = await this.spend.hourlySince(counter.scope, counter.windowStart);
    const total = hours.reduce((sum, h) => sum + toNano(h.usd), 0);
    const pairs = counter.rolling ? hours.flatMap((h) => [h.hour, toNano(h.usd)]) : [];
    await this.redis.eval(SEED_SCRIPT, 3, counter.keys[0], counter.keys[1], counter.keys[2], counter.rolling ? 1 : 0, counter.ttlSeconds, total, ...pairs);
  }

  private countersFor(budgets: readonly ScopedBudget[], now: number): Counter[] {
    const byKey = new Map<string, Counter>();
    for (const { scope, budget } of budgets) {
      const window = budgetWindowAt(budget, now);
      const base = `${this.prefix}:budget:${scope.kind}:${scope.id}:${windowIdentity(budget)}`;
      const capNano = toNano(budget.usd);
      const alertNano = toNano(budget.usd * budget.alertFraction);
      const id = window.kind === 'calendar' ? `${base}:${window.label}` : base;
      const existing = byKey.get(id);
      if (existing) {
        if (capNano < existing.capNano) Object.assign(existing, { capNano, budget });
        existing.alertNano = Math.min(existing.alertNano, alertNano);
        continue;
      }
      byKey.set(id, {
        scope,
        budget,
        keys: [id, `${id}:hours`, `${id}:index`, `${id}:alerted`],
        rolling: window.kind === 'rolling',
        capNano,
        alertNano,
        oldestHour: window.kind === 'rolling' ? window.currentHour - window.hours + 1 : 0,
        // A calendar window's counter outlives its end by two days, so a long call settles into the window it started in.
        ttlSeconds: window.kind === 'calendar' ? Math.ceil((window.end.getTime() - now) / 1000) + 2 * DAY_S : window.hours * 3600 + DAY_S,
        windowStart: window.start,
        windowLabel: window.kind === 'calendar' ? window.label : `last ${window.hours / 24} days`,
      });
    }
    return [...byKey.values()];
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { Budget, RateLimits } from '@switchyard/contracts';
import type { SpendScope } from '@switchyard/db';
import type { Caller } from '../auth/caller.js';
import type { CallOrigin } from '../calls/internal-call.js';
import type { DispatchPlan } from '../dispatch/dispatch-plan.js';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.service.js';
import type { CallTarget } from '../providers/provider.adapter.js';
import { BudgetAlerts } from './budgets/budget-alerts.service.js';
import { BudgetLedger, type Reservation, type ScopedBudget } from './budgets/budget-ledger.js';
import { formatResetDuration, type LimitDimension, rateLimitHeaders } from './rate-limits/rate-limit.headers.js';
import { type LimitCharge, SlidingWindowLimiter } from './rate-limits/sliding-window.limiter.js';
import { GOVERNANCE_STORES } from './governance.tokens.js';

/** What a finished call cost and used, as recorded on its span. */
export interface CallUsage {
  costUsd: number;
  inputTokens: number | null;
  outputTokens: number | null;
}

/** What admission needs to know about the request beyond its routing plan. */
export interface AdmissionRequest {
  operation: 'chat' | 'embeddings';
  /** max_completion_tokens or max_tokens, when the client set one. */
  maxTokens?: number;
  origin: CallOrigin;
}

/** An admitted call: the headers to send, and how to book what it really cost once it ends. */
export interface Admission {
  headers: Record<string, string>;
  readonly settle: (usage: CallUsage) => void;
}

export interface GovernanceStores {
  ledger: BudgetLedger;
  limiter: SlidingWindowLimiter;
}

interface TrackedCharge extends LimitCharge {
  dimension: LimitDimension;
  scope: 'key' | 'tenant';
}

const NOTHING_TO_SETTLE: Admission = { headers: {}, settle: () => undefined };
const WARN_INTERVAL_MS = 10_000;

/**
 * Admission control for one `/v1` call, after routing and before anything is sent upstream:
 * the key's and tenant's rate limits (requests and tokens per sliding minute), then the key's,
 * tenant's and workload's budgets (the worst-case cost is reserved, and settled to the actual
 * cost when the call ends). Everything lives in Redis, so all gateway instances enforce one limit.
 * If Redis is unreachable the call goes through unmetered, with a warning: the gateway keeps
 * serving rather than turning a cache outage into an API outage.
 */
@Injectable()
export class CallAdmission {
  private readonly logger = new Logger(CallAdmission.name);
  private readonly workloadBudgets: ReadonlyMap<string, readonly Budget[]>;
  private lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(GOVERNANCE_STORES) private readonly stores: GovernanceStores,
    private readonly alerts: BudgetAlerts,
    private readonly metrics: GatewayMetrics,
  ) {
    this.workloadBudgets = new Map(config.workloads.filter((w) => w.budgets.length > 0).map((w) => [w.name, w.budgets]));
  }

  /** Throws the 429 to send when a limit or budget refuses the call. */
  async admit(caller: Caller | undefined, plan: DispatchPlan, request: AdmissionRequest): Promise<Admission> {
    const live = request.origin === 'live';
    const key = caller?.kind === 'key' ? caller.credential : undefined;
    const budgets: ScopedBudget[] = [];
    if (key) {
      for (const budget of key.key.budgets) budgets.push({ scope: { kind: 'key', id: key.key.id }, budget });
      for (const budget of key.tenant.budgets) budgets.push({ scope: { kind: 'tenant', id: key.key.tenantId }, budget });
    }
    // The gateway's own judge and probe traffic has its own caps (evaluation.shadowBudgetUsdPerDay).
    if (live) for (const budget of this.workloadBudgets.get(plan.decision.workload) ?? []) budgets.push({ scope: { kind: 'workload', id: plan.decision.workload }, budget });
    const maxOutputTokens = this.maxOutputTokens(plan, request);
    const charges = key ? this.rateCharges(key.key.id, key.key.rateLimits, key.key.tenantId, key.tenant.rateLimits, plan.inputTokens + maxOutputTokens) : [];
    if (charges.length === 0 && budgets.length === 0) return NOTHING_TO_SETTLE;

    let consumed: { second: number } | undefined;
    let headers: Record<string, string> = {};
    let reservation: Reservation | undefined;
    try {
      if (charges.length > 0) {
        const outcome = await this.stores.limiter.consume(charges);
        if (!outcome.ok) throw this.rateLimited(charges[outcome.index], outcome.retryAfterSeconds, charges);
        consumed = outcome;
        headers = rateLimitHeaders(outcome.states.map((state, i) => ({ dimension: charges[i].dimension, state })));
      }
      if (budgets.length > 0) {
        const outcome = await this.stores.ledger.reserve(budgets, worstCaseUsd(plan, plan.inputTokens, maxOutputTokens));
        if (!outcome.ok) {
          if (consumed) this.refund(charges, consumed.second);
          this.metrics.budgetRefused(outcome.scope.kind);
          throw budgetExceeded(outcome.scope, outcome.budget, headers);
        }
        reservation = outcome.reservation;
      }
    } catch (err) {
      if (err instanceof OpenAiHttpError) throw err;
      if (this.config.budgets.whenRedisDown === 'refuse') {
        this.warn(`calls with rate limits or budgets are refused while Redis fails: ${(err as Error).message}`);
        throw new OpenAiHttpError(503, 'Rate limits and budgets cannot be checked right now; retry shortly.', 'server_error', 'governance_unavailable', null, { 'retry-after': '1' });
      }
      this.warn(`rate limits and budgets not enforced for this call, Redis failed: ${(err as Error).message}`);
      return NOTHING_TO_SETTLE;
    }
    return { headers, settle: (usage) => void this.settle(reservation, charges, consumed?.second, usage) };
  }

  private async settle(reservation: Reservation | undefined, charges: readonly TrackedCharge[], second: number | undefined, usage: CallUsage): Promise<void> {
    try {
      if (second !== undefined) {
        const used = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
        await Promise.all(charges.filter((c) => c.dimension === 'tokens').map((c) => this.stores.limiter.adjust(c.key, second, used - c.cost)));
      }
      if (reservation) {
        const outcome = await this.stores.ledger.settle(reservation, usage.costUsd);
        for (const kind of new Set(reservation.counters.map((c) => c.scope.kind))) this.metrics.budgetSettled(kind, usage.costUsd);
        for (const alert of outcome.alerts) {
          this.metrics.budgetAlert(alert.scope.kind);
          this.alerts.fire(alert);
        }
      }
    } catch (err) {
      this.warn(`a call's spend was not settled in Redis (${(err as Error).message}); Postgres still has it on the span`);
    }
  }

  private rateCharges(keyId: string, keyLimits: RateLimits, tenantId: string, tenantLimits: RateLimits, tokens: number): TrackedCharge[] {
    const prefix = `${this.config.redisPrefix}:ratelimit`;
    const charges: TrackedCharge[] = [];
    const add = (scope: 'key' | 'tenant', id: string, limits: RateLimits): void => {
      if (limits.requestsPerMinute) charges.push({ scope, dimension: 'requests', key: `${prefix}:${scope}:${id}:requests`, limit: limits.requestsPerMinute, cost: 1 });
      if (limits.tokensPerMinute) charges.push({ scope, dimension: 'tokens', key: `${prefix}:${scope}:${id}:tokens`, limit: limits.tokensPerMinute, cost: tokens });
    };
    add('key', keyId, keyLimits);
    add('tenant', tenantId, tenantLimits);
    return charges;
  }

  private maxOutputTokens(plan: DispatchPlan, request: AdmissionRequest): number {
    if (request.operation === 'embeddings') return 0;
    if (request.maxTokens !== undefined && request.maxTokens > 0) return request.maxTokens;
    const windows = [...plan.legs, ...plan.fallbacks].map((t) => t.model.contextWindow - plan.inputTokens);
    return Math.max(1, Math.min(this.config.budgets.reserveMaxTokens, ...windows));
  }

  private rateLimited(charge: TrackedCharge, retryAfterSeconds: number | null, charges: readonly TrackedCharge[]): OpenAiHttpError {
    const who = charge.scope === 'key' ? 'this API key' : "this key's tenant";
    const unit = charge.dimension === 'requests' ? 'requests' : 'tokens';
    const message =
      retryAfterSeconds === null
        ? `Request too large: it needs up to ${charge.cost} tokens (prompt plus max_tokens) but ${who} is limited to ${charge.limit} tokens per minute. Lower max_tokens or shorten the prompt.`
        : `Rate limit reached: ${who} is limited to ${charge.limit} ${unit} per minute. Retry in ${retryAfterSeconds}s.`;
    const retry = retryAfterSeconds ?? 60;
    const headers: Record<string, string> = { 'retry-after': String(retry), 'retry-after-ms': String(retry * 1000) };
    for (const c of charges.filter((x) => x.dimension === charge.dimension && x.scope === charge.scope)) {
      headers[`x-ratelimit-limit-${c.dimension}`] = String(c.limit);
      headers[`x-ratelimit-remaining-${c.dimension}`] = '0';
      headers[`x-ratelimit-reset-${c.dimension}`] = formatResetDuration(retry);
    }
    return new OpenAiHttpError(429, message, 'rate_limit_error', 'rate_limit_exceeded', null, headers);
  }

  private refund(charges: readonly TrackedCharge[], second: number): void {
    void Promise.all(charges.map((c) => this.stores.limiter.adjust(c.key, second, -c.cost))).catch(() => undefined);
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(message);
  }
}

/** What the call could cost at most: every race leg runs; a fallback runs only when they fail. */
function worstCaseUsd(plan: DispatchPlan, inputTokens: number, outputTokens: number): number {
  const cost = (t: CallTarget): number => (inputTokens * t.model.pricing.inputUsdPerMTok + outputTokens * t.model.pricing.outputUsdPerMTok) / 1e6;
  const legs = plan.legs.reduce((sum, t) => sum + cost(t), 0);
  return Math.max(legs, ...plan.fallbacks.map(cost));
}

function budgetExceeded(scope: SpendScope, budget: Budget, headers: Record<string, string>): OpenAiHttpError {
  const owner = scope.kind === 'key' ? 'this API key' : scope.kind === 'tenant' ? "this key's tenant" : `workload '${scope.id}'`;
  const window = budget.window === 'rolling' ? `rolling ${budget.days}-day` : `${budget.window}ly (${budget.timeZone})`.replace('dayly', 'daily');
  return new OpenAiHttpError(429, `Budget exceeded: ${owner} has reached its ${window} budget of $${budget.usd}.`, 'rate_limit_error', 'budget_exceeded', null, headers);
}

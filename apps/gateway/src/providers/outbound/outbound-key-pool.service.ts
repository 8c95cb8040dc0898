import { Logger } from '@nestjs/common';
import type { ProviderConfig, ProviderKey } from '@switchyard/config';
import { type ConsumeOutcome, type LimitCharge, WINDOW_SECONDS } from '../../governance/rate-limits/sliding-window.limiter.js';
import type { UpstreamUsage } from '../provider.adapter.js';

/** What the pool needs of the shared Redis limiter (SlidingWindowLimiter). */
export interface OutboundLimiter {
  consume(charges: readonly LimitCharge[]): Promise<ConsumeOutcome>;
  adjust(key: string, second: number, delta: number): Promise<void>;
}

export interface OutboundKeyPoolOptions {
  /** `config.redisPrefix`: limits are shared by every instance on that prefix. */
  redisPrefix: string;
  /** How long a key sits out after an upstream 429 without a usable Retry-After. */
  rateLimitCooldownMs: number;
  /** Cap on any key's cool-down. */
  maxCooldownMs: number;
  now?: () => number;
}

/** What one call may use: its estimated prompt and the most it may generate. */
export interface OutboundEstimate {
  inputTokens: number;
  maxOutputTokens: number;
}

/** The outcome of an upstream 429 on a key, for the deployment's live state. */
export type KeyRateLimited = { allKeysCooling: false } | { allKeysCooling: true; retryAfterMs: number | undefined };

/** The key one call goes out with. */
export interface OutboundGrant {
  /** Its index in the provider's key list. */
  readonly keyIndex: number;
  /** The secret to send; '' when its env var is unset (outside production), undefined when the provider has no key at all. */
  readonly secret: string | undefined;
  /** The provider has several keys: which one served is worth recording. */
  readonly pooled: boolean;
  /** True when a token ceiling was charged, so the call's real usage is worth reporting to `settle`. */
  readonly metersTokens: boolean;
  /** Corrects the token reservation to what the call used; undefined keeps the reservation. Only the first call counts. */
  settle(usage: UpstreamUsage | undefined): void;
  /** The upstream answered 429 with this key. */
  rateLimited(retryAfterMs: number | undefined): KeyRateLimited;
}

export type OutboundAdmission = { ok: true; grant: OutboundGrant } | { ok: false; retryAfterSeconds: number; message: string };

type Dimension = 'requests' | 'tokens';
interface Charge extends LimitCharge {
  dimension: Dimension;
  /** A provider-wide ceiling refuses every key alike. */
  providerWide: boolean;
}

const WARN_INTERVAL_MS = 10_000;

/** One provider's keys, ceilings, rotation and per-key 429 cool-downs (this instance's view). */
class ProviderKeys {
  /** The provider's keys; one keyless slot when it has none, so ceilings still apply. */
  readonly slots: readonly ProviderKey[];
  readonly keyless: boolean;
  readonly limited: boolean;
  /** Grants that need no Redis: for unlimited providers, and for sending unmetered when Redis is down. */
  readonly unmetered: readonly OutboundGrant[];
  private readonly coolingUntil: number[];
  private next = 0;

  constructor(
    readonly provider: ProviderConfig,
    private readonly options: Required<OutboundKeyPoolOptions>,
  ) {
    // Hand-built configs carry only `apiKey`.
    const keys = provider.keys ?? (provider.apiKey !== undefined ? [{ index: 0, env: '', secret: provider.apiKey }] : []);
    this.keyless = keys.length === 0;
    this.slots = this.keyless ? [{ index: 0, env: '' }] : keys;
    this.limited = [provider.rateLimits, ...this.slots].some((c) => c?.requestsPerMinute !== undefined || c?.tokensPerMinute !== undefined);
    this.coolingUntil = this.slots.map(() => 0);
    this.unmetered = this.slots.map((k) => this.grant(k, undefined, []));
  }

  /** Keys to try, starting from a rotating index; keys cooling after a 429 go last. */
  order(now: number): ProviderKey[] {
    const n = this.slots.length;
    const start = this.rotate(n);
    const rotated = Array.from({ length: n }, (_, i) => this.slots[(start + i) % n]);
    return [...rotated.filter((k) => this.coolingUntil[k.index] <= now), ...rotated.filter((k) => this.coolingUntil[k.index] > now)];
  }

  /** Without ceilings: the next key not cooling down (any, if all are), with no allocation. */
  pickUnmetered(now: number): OutboundGrant {
    const n = this.slots.length;
    if (n === 1) return this.unmetered[0];
    const start = this.rotate(n);
    for (let i = 0; i < n; i++) {
      const index = (start + i) % n;
      if (this.coolingUntil[index] <= now) return this.unmetered[index];
    }
    return this.unmetered[start];
  }

  private rotate(n: number): number {
    const start = this.next % n;
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return start;
  }

  charges(key: ProviderKey, tokens: number): Charge[] {
    const base = `${this.options.redisPrefix}:outbound:${this.provider.name}`;
    const out: Charge[] = [];
    const add = (scope: string, providerWide: boolean, ceilings: { requestsPerMinute?: number; tokensPerMinute?: number } | undefined): void => {
      if (ceilings?.requestsPerMinute !== undefined) out.push({ key: `${base}:${scope}:requests`, limit: ceilings.requestsPerMinute, cost: 1, dimension: 'requests', providerWide });
      // A call larger than a whole minute's tokens waits for an empty window instead of never going out: the upstream has the last word.
      if (ceilings?.tokensPerMinute !== undefined) out.push({ key: `${base}:${scope}:tokens`, limit: ceilings.tokensPerMinute, cost: Math.min(tokens, ceilings.tokensPerMinute), dimension: 'tokens', providerWide });
    };
    add(String(key.index), false, key);
    add('all', true, this.provider.rateLimits);
    return out;
  }

  grant(key: ProviderKey, second: number | undefined, charges: readonly Charge[], adjust?: (charge: Charge, second: number, delta: number) => void): OutboundGrant {
    const tokenCharges = charges.filter((c) => c.dimension === 'tokens');
    let settled = false;
    return {
      keyIndex: key.index,
      secret: this.keyless ? undefined : (key.secret ?? ''),
      pooled: this.slots.length > 1,
      metersTokens: tokenCharges.length > 0,
      settle: (usage) => {
        if (settled || usage === undefined || second === undefined || !adjust) return;
        settled = true;
        const used = usage.inputTokens + usage.outputTokens;
        for (const c of tokenCharges) adjust(c, second, used - c.cost);
      },
      rateLimited: (retryAfterMs) => this.rateLimited(key, retryAfterMs),
    };
  }

  private rateLimited(key: ProviderKey, retryAfterMs: number | undefined): KeyRateLimited {
    // One key: the deployment's own cool-down (live state) is the key's.
    if (this.slots.length === 1) return { allKeysCooling: true, retryAfterMs };
    const now = this.options.now();
    const wait = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : this.options.rateLimitCooldownMs;
    this.coolingUntil[key.index] = Math.max(this.coolingUntil[key.index], now + Math.min(wait, this.options.maxCooldownMs));
    const soonest = Math.min(...this.coolingUntil);
    return soonest > now ? { allKeysCooling: true, retryAfterMs: soonest - now } : { allKeysCooling: false };
  }
}

/**
 * Picks the key each upstream call goes out with. A provider's keys take turns (a rotating start
 * index per instance); with ceilings configured, a key is used only if the shared Redis sliding
 * window has room for one more request and the call's tokens (prompt plus max output), else the
 * next key is tried. Keys are named by index in Redis, never by secret. Without ceilings there
 * is no Redis round trip at all, and if Redis fails the call goes out unmetered: an outbound
 * limit must never turn a Redis outage into an API outage.
 */
export class OutboundKeyPool {
  private readonly logger = new Logger(OutboundKeyPool.name);
  private readonly options: Required<OutboundKeyPoolOptions>;
  private readonly providers = new WeakMap<ProviderConfig, ProviderKeys>();
  private lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limiter: OutboundLimiter,
    options: OutboundKeyPoolOptions,
  ) {
    this.options = { now: Date.now, ...options };
  }

  /** A key with room for this call, or when the soonest one frees up. Never rejects. */
  async acquire(provider: ProviderConfig, estimate: OutboundEstimate): Promise<OutboundAdmission> {
    const state = this.stateOf(provider);
    const now = this.options.now();
    if (!state.limited) return { ok: true, grant: state.pickUnmetered(now) };

    const tokens = Math.max(0, Math.ceil(estimate.inputTokens + estimate.maxOutputTokens));
    let soonest = Number.POSITIVE_INFINITY;
    let refusedBy: Charge | undefined;
    for (const key of state.order(now)) {
      const charges = state.charges(key, tokens);
      let outcome: ConsumeOutcome;
      try {
        outcome = await this.limiter.consume(charges);
      } catch (err) {
        this.warn(`outbound limits of ${provider.name} not enforced for this call, Redis failed: ${(err as Error).message}`);
        return { ok: true, grant: state.unmetered[key.index] };
      }
      if (outcome.ok) return { ok: true, grant: state.grant(key, outcome.second, charges, (c, second, delta) => this.adjust(c, second, delta)) };
      refusedBy = charges[outcome.index];
      soonest = Math.min(soonest, outcome.retryAfterSeconds ?? WINDOW_SECONDS);
      // A provider-wide ceiling refuses every key alike.
      if (refusedBy?.providerWide) break;
    }
    const retryAfterSeconds = Math.max(1, Number.isFinite(soonest) ? soonest : WINDOW_SECONDS);
    return { ok: false, retryAfterSeconds, message: refusalMessage(provider.name, state.slots.length, refusedBy, retryAfterSeconds) };
  }

  private stateOf(provider: ProviderConfig): ProviderKeys {
    let state = this.providers.get(provider);
    if (!state) {
      state = new ProviderKeys(provider, this.options);
      this.providers.set(provider, state);
    }
    return state;
  }

  private adjust(charge: Charge, second: number, delta: number): void {
    this.limiter.adjust(charge.key, second, delta).catch((err: unknown) => this.warn(`an outbound token charge was not corrected, Redis failed: ${(err as Error).message}`));
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(message);
  }
}

function refusalMessage(provider: string, keyCount: number, refusedBy: Charge | undefined, retryAfterSeconds: number): string {
  const ceiling = refusedBy?.dimension === 'tokens' ? 'tokens-per-minute' : 'requests-per-minute';
  const whose = refusedBy?.providerWide ? `${provider}'s provider-wide` : keyCount > 1 ? `every ${provider} key's` : `${provider}'s`;
  return `not sent: ${whose} outbound ${ceiling} ceiling is reached; room again in ${retryAfterSeconds}s`;
}

import { Logger } from '@nestjs/common';
import { QueueName } from '@switchyard/queue';
import type { BreakerState } from '@switchyard/routing';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JudgeSampler } from '../evaluation/judge-sampler.service.js';
import type { DeploymentStateService } from '../routing/live/deployment-state.service.js';
import type { SpanWriter } from '../spans/span-writer.service.js';
import type { CallRecord } from '../tracing/call-record.js';
import { totalCostUsd } from '../tracing/span-row.builder.js';
import { gatewayOverheadMs } from './gateway-overhead.js';
import { type QueueDepth, type QueueDepthSource, QUEUE_STATES } from './queue-depth.service.js';

export type CacheLookupResult = 'hit' | 'miss' | 'bypass';
export type GovernanceScope = 'key' | 'tenant' | 'workload';
export type RateLimitKind = 'requests' | 'tokens';

/** What GET /metrics reads at scrape time, beyond the calls it is told about. */
export interface MetricsSources {
  /** Every configured model id: their breakers show (closed) before any traffic reached them. */
  models: readonly string[];
  breakers: Pick<DeploymentStateService, 'all'>;
  spans: Pick<SpanWriter, 'stats'>;
  judgeEnqueues: Pick<JudgeSampler, 'snapshot'>;
  queues: QueueDepthSource;
  /** Whether the active policy knows a workload: a client may name any workload in a header, and labels must stay bounded. */
  knownWorkload(name: string): boolean;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const SCOPES: readonly GovernanceScope[] = ['key', 'tenant', 'workload'];
const LIMITS: readonly RateLimitKind[] = ['requests', 'tokens'];
const CACHE_RESULTS: readonly CacheLookupResult[] = ['hit', 'miss', 'bypass'];
/** Kept short: Prometheus scrapes every 15-60 s and a scrape that hangs on Redis loses every other metric with it. */
const QUEUE_DEPTH_TIMEOUT_MS = 500;
const NONE = 'none';

// LLM calls run from tens of ms to minutes; TTFT lives under a few seconds; overhead should be single-digit ms.
const DURATION_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const seconds = (ms: number): number => Math.max(0, ms) / 1_000;
const countable = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0;

/** The error class of a failed call; a call whose every candidate was skipped (breakers open, context too small) has none of its own. */
function errorClassOf(r: CallRecord): string {
  if (r.errorClass) return r.errorClass;
  return r.attempts.length > 0 && r.attempts.every((a) => a.skipped !== undefined) ? 'no_available_upstream' : 'unknown';
}

/**
 * Prometheus metrics for one gateway, in a registry of its own (several gateways share a test
 * process). Labels are bounded by configuration: model, provider, workload, operation, status,
 * error class, origin; never tenants, keys, users or prompts.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly logger = new Logger(GatewayMetrics.name);

  private readonly requests: Counter<'operation' | 'model' | 'provider' | 'workload' | 'status' | 'origin' | 'cached'>;
  private readonly errors: Counter<'operation' | 'error_class'>;
  private readonly duration: Histogram<'operation' | 'model' | 'stream' | 'status' | 'cached'>;
  private readonly ttft: Histogram<'model'>;
  private readonly overhead: Histogram<'operation' | 'stream'>;
  private readonly tokens: Counter<'model' | 'direction'>;
  private readonly cost: Counter<'model' | 'workload' | 'origin'>;
  private readonly cache: Counter<'result'>;
  private readonly budgetSpend: Counter<'scope'>;
  private readonly budgetAlerts: Counter<'scope'>;
  private readonly budgetRefusals: Counter<'scope'>;
  private readonly rateLimits: Counter<'scope' | 'limit'>;
  private readonly collectErrors: Counter<'collector'>;
  private depthRead: Promise<QueueDepth[]> | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Calls the gateway finished, by served model (none when nothing served) and outcome; cached: answered from the response cache.',
      labelNames: ['operation', 'model', 'provider', 'workload', 'status', 'origin', 'cached'],
      registers,
    });
    this.errors = new Counter({ name: 'switchyard_request_errors_total', help: 'Failed calls by error class.', labelNames: ['operation', 'error_class'], registers });
    this.duration = new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Whole-call latency as the client saw it, to the last byte.',
      labelNames: ['operation', 'model', 'stream', 'status', 'cached'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.ttft = new Histogram({ name: 'switchyard_time_to_first_token_seconds', help: 'Streamed calls: call start to the first content token.', labelNames: ['model'], buckets: TTFT_BUCKETS, registers });
    this.overhead = new Histogram({
      name: 'switchyard_gateway_overhead_seconds',
      help: 'Served calls: latency minus the time spent waiting on upstreams (see gateway-overhead.ts).',
      labelNames: ['operation', 'stream'],
      buckets: OVERHEAD_BUCKETS,
      registers,
    });
    this.tokens = new Counter({ name: 'switchyard_tokens_total', help: 'Tokens the upstreams reported, by served model.', labelNames: ['model', 'direction'], registers });
    this.cost = new Counter({
      name: 'switchyard_cost_usd_total',
      help: 'Spend at configured prices, including dropped race legs (booked to the served model).',
      labelNames: ['model', 'workload', 'origin'],
      registers,
    });
    this.cache = new Counter({ name: 'switchyard_cache_requests_total', help: 'Response cache lookups.', labelNames: ['result'], registers });
    this.budgetSpend = new Counter({ name: 'switchyard_budget_spend_usd_total', help: 'Spend settled against budgets.', labelNames: ['scope'], registers });
    this.budgetAlerts = new Counter({ name: 'switchyard_budget_alerts_total', help: 'Budget alert thresholds crossed.', labelNames: ['scope'], registers });
    this.budgetRefusals = new Counter({ name: 'switchyard_budget_refusals_total', help: 'Calls refused because a budget was spent.', labelNames: ['scope'], registers });
    this.rateLimits = new Counter({ name: 'switchyard_rate_limited_total', help: 'Calls refused by a rate limit.', labelNames: ['scope', 'limit'], registers });
    const readDepths = (): Promise<QueueDepth[]> => this.readQueueDepths();
    this.collectErrors = new Counter({
      name: 'switchyard_metrics_collect_errors_total',
      help: 'Scrape-time reads that failed or timed out; their series are left out of that scrape.',
      labelNames: ['collector'],
      registers,
      // Counted from the same read the queue gauge shows, so a scrape reports its own failures.
      async collect() {
        const failed = (await readDepths()).filter((d) => 'error' in d).length;
        if (failed > 0) this.inc({ collector: 'queue_depth' }, failed);
      },
    });
    // Known label sets start at zero, so rate() and alerts work before the first event.
    for (const result of CACHE_RESULTS) this.cache.inc({ result }, 0);
    for (const scope of SCOPES) {
      this.budgetSpend.inc({ scope }, 0);
      this.budgetAlerts.inc({ scope }, 0);
      this.budgetRefusals.inc({ scope }, 0);
      for (const limit of LIMITS) this.rateLimits.inc({ scope, limit }, 0);
    }
    this.collectErrors.inc({ collector: 'queue_depth' }, 0);
    this.registerScrapeTimeMetrics(registers);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** Called once per finished call, off the request path; never throws (a metrics bug must not cost a span). */
  recordCall(r: CallRecord): void {
    try {
      this.observe(r);
    } catch (error) {
      this.logger.error(`recording call metrics failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  cacheLookup(result: CacheLookupResult): void {
    this.cache.inc({ result });
  }

  budgetSettled(scope: GovernanceScope, usd: number): void {
    if (countable(usd)) this.budgetSpend.inc({ scope }, usd);
  }

  budgetAlert(scope: GovernanceScope): void {
    this.budgetAlerts.inc({ scope });
  }

  budgetRefused(scope: GovernanceScope): void {
    this.budgetRefusals.inc({ scope });
  }

  rateLimited(scope: GovernanceScope, limit: RateLimitKind): void {
    this.rateLimits.inc({ scope, limit });
  }

  private observe(r: CallRecord): void {
    const { operation, status } = r;
    // The served deployment, not the requested name: clients may send any model string.
    const model = r.target?.model.id ?? NONE;
    const provider = r.target?.provider.name ?? NONE;
    const workload = this.workloadLabel(r.plan?.decision.workload);
    const origin = r.provenance.origin;
    const stream = String(r.stream);
    // Hits and misses are counted by the cache at lookup (cacheLookup); here a hit only keeps its latency apart.
    const cached = String(r.cache !== undefined);
    this.requests.inc({ operation, model, provider, workload, status, origin, cached });
    if (status === 'error') this.errors.inc({ operation, error_class: errorClassOf(r) });
    this.duration.observe({ operation, model, stream, status, cached }, seconds(r.endedPerf - r.startedPerf));
    const firstTokenAt = r.stats?.firstTokenAt;
    if (r.stream && firstTokenAt !== undefined) this.ttft.observe({ model }, seconds(firstTokenAt - r.startedPerf));
    const overheadMs = gatewayOverheadMs(r);
    if (overheadMs !== undefined) this.overhead.observe({ operation, stream }, seconds(overheadMs));
    // Reported usage only: the span row's estimate for streams cut short is not a count.
    const usage = r.stats?.usage;
    if (usage) {
      if (countable(usage.inputTokens)) this.tokens.inc({ model, direction: 'input' }, usage.inputTokens);
      if (countable(usage.outputTokens)) this.tokens.inc({ model, direction: 'output' }, usage.outputTokens);
    }
    const cost = totalCostUsd(r, usage);
    if (cost !== null && countable(cost)) this.cost.inc({ model, workload, origin }, cost);
  }

  private workloadLabel(workload: string | undefined): string {
    if (workload === undefined) return 'unrouted';
    return this.sources.knownWorkload(workload) ? workload : 'other';
  }

  /** Gauges and counters whose values live elsewhere, read when Prometheus scrapes. */
  private registerScrapeTimeMetrics(registers: Registry[]): void {
    const { sources } = this;
    new Gauge({
      name: 'switchyard_breaker_state',
      help: 'Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const model of sources.models) this.set({ model }, 0);
        for (const d of sources.breakers.all()) this.set({ model: d.model }, BREAKER_VALUE[d.breaker.state]);
      },
    });
    new Gauge({
      name: 'switchyard_span_buffer_rows',
      help: 'Span rows waiting in memory for Postgres.',
      registers,
      collect() {
        this.set(sources.spans.stats().buffered);
      },
    });
    monotonic(registers, 'switchyard_span_writes_dropped_total', 'Span rows dropped because the buffer was full (Postgres down too long).', () => sources.spans.stats().dropped);
    // The gateway's only fire-and-forget enqueue: a judge job (carrying its shadow probes, which the worker enqueues).
    // Golden, canary and optimizer jobs are queued by admin calls, which answer 503 instead of dropping.
    monotonic(
      registers,
      'switchyard_enqueue_dropped_total',
      'Jobs the gateway gave up enqueueing because Redis refused them.',
      () => sources.judgeEnqueues.snapshot().dropped,
      { queue: QueueName.Judge },
    );
    const readDepths = (): Promise<QueueDepth[]> => this.readQueueDepths();
    new Gauge({
      name: 'switchyard_queue_depth',
      help: 'BullMQ jobs per queue and state; a queue Redis did not answer for is left out.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const depths = await readDepths();
        this.reset();
        for (const depth of depths) {
          if ('error' in depth) continue;
          for (const state of QUEUE_STATES) this.set({ queue: depth.queue, state }, depth.counts[state]);
        }
      },
    });
  }

  /** One Redis read per scrape, shared by the queue gauge and the collect-error counter (a scrape collects every metric at once). */
  private readQueueDepths(): Promise<QueueDepth[]> {
    this.depthRead ??= this.sources.queues
      .depths(QUEUE_DEPTH_TIMEOUT_MS)
      .catch((error: unknown): QueueDepth[] => [{ queue: 'all', error: error instanceof Error ? error.message : String(error) }])
      .finally(() => {
        this.depthRead = undefined;
      });
    return this.depthRead;
  }
}

/** A counter mirroring a count kept elsewhere: each scrape adds what it grew by since the last one. */
function monotonic(registers: Registry[], name: string, help: string, read: () => number, labels: Record<string, string> = {}): void {
  let seen = 0;
  new Counter({
    name,
    help,
    labelNames: Object.keys(labels),
    registers,
    collect() {
      const now = read();
      this.inc(labels, Math.max(0, now - seen));
      seen = Math.max(seen, now);
    },
  });
}

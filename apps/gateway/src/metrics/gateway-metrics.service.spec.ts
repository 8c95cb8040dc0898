import type { ModelConfig, ProviderConfig } from '@switchyard/config';
import type { RoutingDecision } from '@switchyard/routing';
import { describe, expect, it } from 'vitest';
import type { Attempt } from '../dispatch/attempt.js';
import type { DispatchPlan } from '../dispatch/dispatch-plan.js';
import type { SamplingStats } from '../evaluation/judge-sampler.service.js';
import type { CallTarget } from '../providers/provider.adapter.js';
import { DeploymentStateService } from '../routing/live/deployment-state.service.js';
import type { SpanWriterStats } from '../spans/span-writer.service.js';
import type { CallRecord } from '../tracing/call-record.js';
import { GatewayMetrics } from './gateway-metrics.service.js';
import type { QueueDepth, QueueDepthSource } from './queue-depth.service.js';

const PRICING: Record<string, { inputUsdPerMTok: number; outputUsdPerMTok: number }> = { 'gpt-a': { inputUsdPerMTok: 2, outputUsdPerMTok: 8 }, 'gpt-b': { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } };
const target = (id: string): CallTarget => ({ model: { id, pricing: PRICING[id] } as ModelConfig, provider: { name: `fake-${id}` } as ProviderConfig });
const plan = (workload: string): DispatchPlan => ({ decision: { workload } as RoutingDecision }) as DispatchPlan;
const attempt = (model: string, latencyMs: number, extra: Partial<Attempt> = {}): Attempt => ({ model, provider: `fake-${model}`, latencyMs, status: 200, ...extra });

/** A served, non-streamed chat call of 200 ms: 3 ms before sending, 190 ms upstream, 7 ms after. */
function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    operation: 'chat',
    startedAt: new Date(),
    startedPerf: 1_000,
    endedPerf: 1_200,
    sentAt: 1_003,
    requestedModel: 'support',
    request: { model: 'support', messages: [] },
    stream: false,
    plan: plan('support'),
    target: target('gpt-a'),
    attempts: [attempt('gpt-a', 190)],
    status: 'ok',
    httpStatus: 200,
    stats: { usage: { inputTokens: 1_000, outputTokens: 500 }, finishReasons: ['stop'] },
    redaction: 'full',
    provenance: { origin: 'live' },
    ...over,
  };
}

class Sources {
  spanStats: SpanWriterStats = { buffered: 0, written: 0, dropped: 0, rejected: 0, failedFlushes: 0 };
  sampling: SamplingStats = { enqueued: 0, dropped: 0 };
  queueDepths: QueueDepth[] = [];
  readonly breakers = new DeploymentStateService({ consecutiveFailures: 2, cooldownMs: 60_000 });
  readonly queues: QueueDepthSource = { depths: () => Promise.resolve(this.queueDepths) };
  readonly spans = { stats: (): SpanWriterStats => this.spanStats };
  readonly judgeEnqueues = { snapshot: (): SamplingStats => this.sampling };
  readonly models = ['gpt-a', 'gpt-b'];
  knownWorkload = (name: string): boolean => name === 'support';
}

function setup(): { metrics: GatewayMetrics; sources: Sources; value: (name: string, labels?: Record<string, string>) => Promise<number | undefined> } {
  const sources = new Sources();
  const metrics = new GatewayMetrics(sources);
  /** One scrape: the sum of the samples of `name` whose labels include `labels` (undefined: none); histograms: `<name>_count` / `_sum`. */
  const value = async (name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
    let sum: number | undefined;
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      for (const v of metric.values) {
        const sample = (v as { metricName?: string }).metricName ?? metric.name;
        if (sample !== name) continue;
        if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) sum = (sum ?? 0) + v.value;
      }
    }
    return sum;
  };
  return { metrics, sources, value };
}

describe('GatewayMetrics.recordCall', () => {
  it('counts a served call by model, provider, workload, status and origin, with its latency, overhead, tokens and cost', async () => {
    const { metrics, value } = setup();
    metrics.recordCall(record());
    metrics.recordCall(record({ provenance: { origin: 'judge' } }));
    expect(await value('switchyard_requests_total', { operation: 'chat', model: 'gpt-a', provider: 'fake-gpt-a', workload: 'support', status: 'ok', origin: 'live', cached: 'false' })).toBe(1);
    expect(await value('switchyard_requests_total', { origin: 'judge' })).toBe(1);
    expect(await value('switchyard_request_duration_seconds_count', { operation: 'chat', model: 'gpt-a', stream: 'false', status: 'ok' })).toBe(2);
    expect(await value('switchyard_request_duration_seconds_sum', { model: 'gpt-a' })).toBeCloseTo(0.4, 9);
    // Two 200 ms calls: in the (0.1, 0.25] bucket, not below it.
    expect(await value('switchyard_request_duration_seconds_bucket', { model: 'gpt-a', le: '0.1' })).toBe(0);
    expect(await value('switchyard_request_duration_seconds_bucket', { model: 'gpt-a', le: '0.25' })).toBe(2);
    expect(await value('switchyard_gateway_overhead_seconds_sum', { operation: 'chat', stream: 'false' })).toBeCloseTo(2 * 0.01, 9);
    expect(await value('switchyard_tokens_total', { model: 'gpt-a', direction: 'input' })).toBe(2_000);
    expect(await value('switchyard_tokens_total', { model: 'gpt-a', direction: 'output' })).toBe(1_000);
    // 1000 in at $2/M + 500 out at $8/M = $0.006 per call.
    expect(await value('switchyard_cost_usd_total', { model: 'gpt-a', workload: 'support', origin: 'live' })).toBeCloseTo(0.006, 12);
    expect(await value('switchyard_cost_usd_total', { origin: 'judge' })).toBeCloseTo(0.006, 12);
    expect(await value('switchyard_time_to_first_token_seconds_count')).toBeUndefined();
  });

  it('a fallback is booked to the model that served, and its failed attempt is upstream time, not overhead', async () => {
    const { metrics, value } = setup();
    metrics.recordCall(
      record({ target: target('gpt-b'), sentAt: 1_045, endedPerf: 1_200, attempts: [attempt('gpt-a', 40, { errorClass: 'server_error', status: 500 }), attempt('gpt-b', 150)], fallbackReason: 'server_error' }),
    );
    expect(await value('switchyard_requests_total', { model: 'gpt-b', status: 'ok' })).toBe(1);
    expect(await value('switchyard_requests_total', { model: 'gpt-a' })).toBeUndefined();
    expect(await value('switchyard_gateway_overhead_seconds_sum')).toBeCloseTo(0.01, 9);
    expect(await value('switchyard_request_errors_total')).toBeUndefined();
  });

  it('a race: the dropped leg’s cost is booked with the winner’s', async () => {
    const { metrics, value } = setup();
    const loser = attempt('gpt-b', 100, { race: true, cancelled: true, costUsd: 0.25 });
    metrics.recordCall(record({ attempts: [attempt('gpt-a', 190, { race: true }), loser] }));
    expect(await value('switchyard_cost_usd_total', { model: 'gpt-a' })).toBeCloseTo(0.256, 12);
  });

  it('counts errors by class; nothing served means model none, no tokens, no overhead', async () => {
    const { metrics, value } = setup();
    const failed = { status: 'error' as const, httpStatus: 502, sentAt: undefined, stats: undefined };
    metrics.recordCall(record({ ...failed, errorClass: 'server_error', attempts: [attempt('gpt-a', 5, { errorClass: 'server_error', status: 500 })] }));
    metrics.recordCall(record({ ...failed, target: undefined, httpStatus: 503, attempts: [attempt('gpt-a', 0, { skipped: 'breaker_open' })] }));
    metrics.recordCall(record({ ...failed, target: undefined, plan: undefined, httpStatus: 404, errorClass: 'model_not_found', attempts: [] }));
    metrics.recordCall(record({ status: 'cancelled', httpStatus: 499, errorClass: 'client_disconnected' }));
    expect(await value('switchyard_request_errors_total', { operation: 'chat', error_class: 'server_error' })).toBe(1);
    expect(await value('switchyard_request_errors_total', { error_class: 'no_available_upstream' })).toBe(1);
    expect(await value('switchyard_request_errors_total', { error_class: 'model_not_found' })).toBe(1);
    // A client that left is not an error of the gateway's: it shows only as status cancelled.
    expect(await value('switchyard_request_errors_total', { error_class: 'client_disconnected' })).toBeUndefined();
    expect(await value('switchyard_requests_total', { model: 'none', provider: 'none', workload: 'support', status: 'error' })).toBe(1);
    expect(await value('switchyard_requests_total', { model: 'none', workload: 'unrouted', status: 'error' })).toBe(1);
    expect(await value('switchyard_requests_total', { status: 'cancelled' })).toBe(1);
    expect(await value('switchyard_request_duration_seconds_count', { status: 'error' })).toBe(3);
    expect(await value('switchyard_gateway_overhead_seconds_count')).toBeUndefined();
    expect(await value('switchyard_tokens_total', { model: 'none' })).toBeUndefined();
  });

  it('streams: TTFT from the call start to the first token, overhead only up to sending', async () => {
    const { metrics, value } = setup();
    metrics.recordCall(record({ stream: true, sentAt: 1_004, endedPerf: 4_000, stats: { finishReasons: ['stop'], firstTokenAt: 1_150 } }));
    expect(await value('switchyard_time_to_first_token_seconds_count', { model: 'gpt-a' })).toBe(1);
    expect(await value('switchyard_time_to_first_token_seconds_sum', { model: 'gpt-a' })).toBeCloseTo(0.15, 9);
    expect(await value('switchyard_gateway_overhead_seconds_sum', { stream: 'true' })).toBeCloseTo(0.004, 9);
    expect(await value('switchyard_request_duration_seconds_sum', { stream: 'true' })).toBeCloseTo(3, 9);
  });

  it('a cache hit: labelled cached, its latency kept apart, no tokens, cost or overhead (nothing went upstream)', async () => {
    const { metrics, value } = setup();
    metrics.recordCall(record({ cache: { kind: 'exact', sourceSpanId: 'abc' }, sentAt: undefined, attempts: [], stats: { finishReasons: ['stop'] } }));
    metrics.recordCall(record());
    expect(await value('switchyard_requests_total', { model: 'gpt-a', status: 'ok', cached: 'true' })).toBe(1);
    expect(await value('switchyard_requests_total', { model: 'gpt-a', status: 'ok', cached: 'false' })).toBe(1);
    expect(await value('switchyard_request_duration_seconds_count', { cached: 'true' })).toBe(1);
    expect(await value('switchyard_gateway_overhead_seconds_count')).toBe(1);
    expect(await value('switchyard_tokens_total', { direction: 'output' })).toBe(500);
    expect(await value('switchyard_cost_usd_total')).toBeCloseTo(0.006, 12);
    // Lookups are the cache's to count.
    expect(await value('switchyard_cache_requests_total', { result: 'hit' })).toBe(0);
  });

  it('labels a workload the policy does not know as other: clients may name any workload in a header', async () => {
    const { metrics, value } = setup();
    metrics.recordCall(record({ plan: plan('made-up-by-a-client') }));
    expect(await value('switchyard_requests_total', { workload: 'other' })).toBe(1);
    expect(await value('switchyard_requests_total', { workload: 'made-up-by-a-client' })).toBeUndefined();
  });

  it('never throws into the tracer, even on a malformed record', () => {
    const { metrics } = setup();
    const broken = record({ provenance: undefined as unknown as CallRecord['provenance'] });
    expect(() => metrics.recordCall(broken)).not.toThrow();
  });
});

describe('GatewayMetrics: events from the cache and governance', () => {
  it('starts every scope, limit and cache result at zero and counts what it is told', async () => {
    const { metrics, value } = setup();
    expect(await value('switchyard_cache_requests_total', { result: 'bypass' })).toBe(0);
    expect(await value('switchyard_rate_limited_total', { scope: 'tenant', limit: 'tokens' })).toBe(0);
    metrics.cacheLookup('hit');
    metrics.cacheLookup('hit');
    metrics.cacheLookup('miss');
    metrics.budgetSettled('tenant', 0.5);
    metrics.budgetSettled('tenant', 0.25);
    metrics.budgetSettled('key', Number.NaN);
    metrics.budgetAlert('key');
    metrics.budgetRefused('workload');
    metrics.rateLimited('key', 'requests');
    expect(await value('switchyard_cache_requests_total', { result: 'hit' })).toBe(2);
    expect(await value('switchyard_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(await value('switchyard_budget_spend_usd_total', { scope: 'tenant' })).toBeCloseTo(0.75, 12);
    expect(await value('switchyard_budget_spend_usd_total', { scope: 'key' })).toBe(0);
    expect(await value('switchyard_budget_alerts_total', { scope: 'key' })).toBe(1);
    expect(await value('switchyard_budget_refusals_total', { scope: 'workload' })).toBe(1);
    expect(await value('switchyard_rate_limited_total', { scope: 'key', limit: 'requests' })).toBe(1);
  });
});

describe('GatewayMetrics: read at scrape time', () => {
  it('breaker state per configured model: 0 closed, 2 open', async () => {
    const { sources, value } = setup();
    for (let i = 0; i < 2; i++) sources.breakers.begin('gpt-b')?.fail('server_error');
    expect(await value('switchyard_breaker_state', { model: 'gpt-a' })).toBe(0);
    expect(await value('switchyard_breaker_state', { model: 'gpt-b' })).toBe(2);
  });

  it('mirrors the span writer and judge sampler counts as counters that only grow', async () => {
    const { metrics, sources, value } = setup();
    sources.spanStats = { ...sources.spanStats, buffered: 120, dropped: 7 };
    sources.sampling = { enqueued: 1, dropped: 3 };
    expect(await value('switchyard_span_buffer_rows')).toBe(120);
    expect(await value('switchyard_span_writes_dropped_total')).toBe(7);
    expect(await value('switchyard_enqueue_dropped_total', { queue: 'judge' })).toBe(3);
    sources.spanStats = { ...sources.spanStats, buffered: 0, dropped: 10 };
    sources.sampling = { enqueued: 1, dropped: 4 };
    const text = await metrics.scrape();
    expect(text).toContain('switchyard_span_writes_dropped_total 10\n');
    expect(text).toContain('switchyard_enqueue_dropped_total{queue="judge"} 4\n');
    expect(text).toContain('switchyard_span_buffer_rows 0\n');
  });

  it('queue depths per state; a queue Redis did not answer for is left out and counted as a collect error', async () => {
    const { metrics, sources } = setup();
    sources.queueDepths = [
      { queue: 'judge', counts: { waiting: 4, active: 1, delayed: 0, failed: 2 } },
      { queue: 'shadow', error: 'no answer from Redis within 500 ms' },
    ];
    const first = await metrics.scrape();
    expect(first).toContain('switchyard_queue_depth{queue="judge",state="waiting"} 4\n');
    expect(first).toContain('switchyard_queue_depth{queue="judge",state="active"} 1\n');
    expect(first).toContain('switchyard_queue_depth{queue="judge",state="failed"} 2\n');
    expect(first).not.toContain('queue="shadow"');
    expect(first).toContain('switchyard_metrics_collect_errors_total{collector="queue_depth"} 1\n');
    // The next scrape drops the series of a queue that stopped answering, and counts once per failed queue per scrape.
    sources.queueDepths = [{ queue: 'judge', error: 'timeout' }];
    const second = await metrics.scrape();
    expect(second).not.toContain('switchyard_queue_depth{');
    expect(second).toContain('switchyard_metrics_collect_errors_total{collector="queue_depth"} 2\n');
  });

  it('exposes the text format with default process metrics, in a registry of its own', async () => {
    const a = setup();
    const b = setup();
    a.metrics.recordCall(record());
    const text = await b.metrics.scrape();
    expect(b.metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('# TYPE switchyard_requests_total counter');
    expect(text).not.toContain('switchyard_requests_total{');
  });
});

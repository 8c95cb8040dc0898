import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { ChatCompletionRequest } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tenantOf } from '../auth/caller.js';
import type { GatewayCall } from '../calls/gateway-call.js';
import { startEventStream } from '../calls/stream-relay.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.service.js';
import type { CallTarget } from '../providers/provider.adapter.js';
import { cacheDirective, HEADER_CACHE } from './cache-directive.js';
import { responseCacheKey } from './cache-key.builder.js';
import { type CachedAnswer, type CachedCompletion, decodeCachedAnswer, encodeCachedAnswer, parseCachedCompletion } from './cached-answer.js';
import { cachedAnswerOf } from './cached-answer.builder.js';
import { replayStreamEvents } from './cached-stream.builder.js';
import { RESPONSE_CACHE_STORE, type ResponseCacheStore } from './response-cache.repository.js';

export interface CacheHit {
  answer: CachedAnswer;
  /** The leg whose answer this is. */
  target: CallTarget;
  /** Parsed only for streamed requests, which are replayed chunk by chunk. */
  completion?: CachedCompletion;
}

/** What the cache decided for one call: where a fresh answer goes (if anywhere), and the hit if there was one. */
export interface CacheLookup {
  store?: { key: string; legs: readonly CallTarget[] };
  hit?: CacheHit;
}

const NOT_CACHED: CacheLookup = {};
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * The exact-match response cache on the chat path: looks a routed call up before dispatch, replays
 * a hit (JSON bytes as first sent, or a rebuilt SSE stream), and stores a fresh answer after the
 * reply is done. Redis trouble only ever makes a miss: the cache never fails or delays a request
 * beyond its lookup timeout.
 */
@Injectable()
export class ResponseCache {
  private readonly logger = new Logger(ResponseCache.name);
  private lastFailureLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RESPONSE_CACHE_STORE) private readonly store: ResponseCacheStore,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Call after routing, before dispatch. Sets `x-switchyard-cache` (hit, miss or bypass) on cacheable calls. */
  async lookup(body: ChatCompletionRequest, req: FastifyRequest, reply: FastifyReply, call: GatewayCall): Promise<CacheLookup> {
    const plan = call.record.plan;
    const directive = cacheDirective({
      enabled: this.config.cache.enabled,
      internal: call.record.provenance.origin !== 'live',
      temperature: body.temperature,
      keyOptIn: req.caller?.kind === 'key' && req.caller.credential.key.cacheResponses,
      cacheHeader: req.headers[HEADER_CACHE],
      cacheControl: req.headers['cache-control'],
    });
    if (directive.kind === 'none' || !plan) return NOT_CACHED;
    const key = responseCacheKey({ tenantId: tenantOf(req.caller), requestedModel: body.model, servingModels: plan.legs.map((t) => t.model.id), request: body });
    const store = { key, legs: plan.legs };
    if (directive.kind === 'bypass') {
      reply.header(HEADER_CACHE, 'bypass');
      this.metrics.cacheLookup('bypass');
      return directive.store ? { store } : NOT_CACHED;
    }
    const hit = await this.find(key, plan.legs, body.stream === true);
    reply.header(HEADER_CACHE, hit ? 'hit' : 'miss');
    this.metrics.cacheLookup(hit ? 'hit' : 'miss');
    return hit ? { store, hit } : { store };
  }

  /** Answers the call from the cache and ends it: no upstream attempt, nothing spent. */
  async replay(hit: CacheHit, body: ChatCompletionRequest, reply: FastifyReply, call: GatewayCall): Promise<void> {
    const { meta } = hit.answer;
    call.servedFromCache(hit.target, { finishReasons: meta.finishReasons, responseModel: meta.responseModel, responseId: meta.responseId }, meta.sourceSpanId);
    if (!hit.completion) {
      await reply.code(200).header('content-type', 'application/json').send(hit.answer.body);
      call.finish(hit.answer.body);
      return;
    }
    const stream = Buffer.from(replayStreamEvents(hit.completion, body.stream_options?.include_usage === true).join(''));
    startEventStream(reply).end(stream);
    call.finish([stream]);
  }

  /** Stores the answer of a call that just ended, when it may be kept. Runs after the reply; never throws. */
  remember(lookup: CacheLookup, call: GatewayCall): void {
    const { store } = lookup;
    if (!store || lookup.hit) return;
    const record = call.record;
    // A fallback's answer is not what the route asked for: keyed under the legs, it would outlive the outage.
    if (!record.target || !store.legs.some((t) => t.model.id === record.target?.model.id)) return;
    const answer = cachedAnswerOf(record, call.span.spanId, Date.now());
    if (!answer) return;
    const bytes = encodeCachedAnswer(answer);
    if (bytes.length > this.config.cache.maxEntryBytes) return;
    this.store.set(store.key, bytes, this.config.cache.ttlMs).catch((err: unknown) => this.logFailure('store', err));
  }

  private async find(key: string, legs: readonly CallTarget[], stream: boolean): Promise<CacheHit | undefined> {
    let bytes: Buffer | undefined;
    try {
      bytes = await this.store.get(key);
    } catch (err) {
      this.logFailure('lookup', err);
      return undefined;
    }
    const answer = bytes && decodeCachedAnswer(bytes);
    const target = answer && legs.find((t) => t.model.id === answer.meta.model);
    if (!answer || !target) return undefined;
    if (!stream) return { answer, target };
    const completion = parseCachedCompletion(answer.body);
    return completion && { answer, target, completion };
  }

  private logFailure(what: 'lookup' | 'store', err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.logger.warn(`response cache ${what} failed, served without the cache: ${err instanceof Error ? err.message : String(err)}`);
  }
}

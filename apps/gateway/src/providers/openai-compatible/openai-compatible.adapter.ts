import type { ProviderConfig } from '@switchyard/config';
import {
  type CallStats,
  type CallTarget,
  type ChatCall,
  credentialOf,
  type EmbeddingsCall,
  type JsonResult,
  type ProviderAdapter,
  type StreamResult,
} from '../provider.adapter.js';
import { SseParser } from '../sse/sse.parser.js';
import { readOpenAiErrorBody } from './openai-compatible.error-reader.js';
import { OpenAiStreamInspector, StreamErrorEvent, numberOr0 } from './openai-compatible.stream-inspector.js';
import { isRecord, stringField, UpstreamErrorMapper } from './upstream-error.mapper.js';
import { UpstreamHttpClient, type UpstreamResponse } from './upstream-http.client.js';

const DONE = Buffer.from('data: [DONE]\n\n');

/**
 * Speaks to OpenAI and the many servers that copy its API (Azure, vLLM, Groq, Together, …).
 * It moves bytes: the client's body goes up with only `model` (and, for streams, usage) changed,
 * and the upstream's bytes come back unchanged, parsed only to learn usage and finish reasons.
 */
export class OpenAiCompatibleAdapter implements ProviderAdapter {
  readonly protocol = 'openai' as const;
  private readonly errors = new UpstreamErrorMapper(readOpenAiErrorBody);
  private readonly http = new UpstreamHttpClient(this.errors);
  /** Per provider, per key sent: the headers are the same for every call with that key. */
  private readonly headersByProvider = new WeakMap<ProviderConfig, Map<string, Record<string, string>>>();

  async chat(target: CallTarget, call: ChatCall): Promise<JsonResult | StreamResult> {
    const body: Record<string, unknown> = { ...call.body, model: target.model.upstreamModel };
    if (call.stream) {
      body.stream = true;
      // Always ask, so every stream reports usage; the chunk is dropped again if the client did not ask.
      const clientOptions = isRecord(call.body.stream_options) ? call.body.stream_options : {};
      body.stream_options = { ...clientOptions, include_usage: true };
    }
    const response = await this.send(target, 'chat/completions', body, call.signal);
    if (!call.stream) return this.json(target, response, readChatStats);
    const stats: CallStats = { finishReasons: [] };
    return { kind: 'stream', status: response.status, chunks: this.relay(target, response, stats, call.clientWantsUsage), stats };
  }

  async embeddings(target: CallTarget, call: EmbeddingsCall): Promise<JsonResult> {
    const body = { ...call.body, model: target.model.upstreamModel };
    const response = await this.send(target, 'embeddings', body, call.signal);
    return this.json(target, response, readEmbeddingStats);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private send(target: CallTarget, endpoint: string, body: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamResponse> {
    return this.http.send({ target, endpoint, headers: this.headers(target), body: JSON.stringify(body), signal });
  }

  private async json(target: CallTarget, response: UpstreamResponse, readStats: (parsed: Record<string, unknown>) => CallStats): Promise<JsonResult> {
    const body = await response.readAll();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!isRecord(parsed)) throw this.errors.protocol(target, 'upstream answered 2xx with a body that is not a JSON object', false);
    return { kind: 'json', status: response.status, body, stats: readStats(parsed) };
  }

  private async *relay(target: CallTarget, response: UpstreamResponse, stats: CallStats, clientWantsUsage: boolean): AsyncGenerator<Uint8Array> {
    const parser = new SseParser();
    const inspector = new OpenAiStreamInspector(stats, clientWantsUsage);
    try {
      // Keep reading after [DONE] until the body ends, so the keep-alive socket goes back to the pool.
      for await (const chunk of response.chunks()) {
        const out = inspector.pass(parser.push(chunk));
        if (out) yield out;
      }
      const tail = inspector.pass(parser.flush());
      if (tail) yield tail;
    } catch (err) {
      if (err instanceof StreamErrorEvent) throw this.errors.fromStreamError(target, err.detail);
      throw err;
    }
    if (!inspector.done && !inspector.finished) throw this.errors.protocol(target, 'upstream stream ended before the answer was complete', true);
    yield DONE;
  }

  private headers(target: CallTarget): Record<string, string> {
    const { provider } = target;
    const apiKey = credentialOf(target) ?? '';
    let byKey = this.headersByProvider.get(provider);
    if (!byKey) this.headersByProvider.set(provider, (byKey = new Map<string, Record<string, string>>()));
    let headers = byKey.get(apiKey);
    if (!headers) {
      headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      // Configured headers come last so a provider can replace auth (Azure's `api-key`) or add its own.
      Object.assign(headers, provider.headers);
      byKey.set(apiKey, headers);
    }
    return headers;
  }
}

function readChatStats(parsed: Record<string, unknown>): CallStats {
  const finishReasons: string[] = [];
  if (Array.isArray(parsed.choices)) {
    for (const choice of parsed.choices) {
      if (isRecord(choice) && typeof choice.finish_reason === 'string') finishReasons.push(choice.finish_reason);
    }
  }
  const usage = isRecord(parsed.usage)
    ? { inputTokens: numberOr0(parsed.usage.prompt_tokens), outputTokens: numberOr0(parsed.usage.completion_tokens) }
    : undefined;
  return { usage, finishReasons, responseModel: stringField(parsed, 'model'), responseId: stringField(parsed, 'id') };
}

function readEmbeddingStats(parsed: Record<string, unknown>): CallStats {
  const usage = isRecord(parsed.usage) ? { inputTokens: numberOr0(parsed.usage.prompt_tokens), outputTokens: 0 } : undefined;
  return { usage, finishReasons: [], responseModel: stringField(parsed, 'model') };
}

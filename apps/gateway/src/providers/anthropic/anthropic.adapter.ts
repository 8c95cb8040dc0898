import type { ProviderConfig } from '@switchyard/config';
import { type CallStats, type CallTarget, type ChatCall, credentialOf, type JsonResult, type ProviderAdapter, type StreamResult } from '../provider.adapter.js';
import { SseParser } from '../sse/sse.parser.js';
import { UpstreamError } from '../upstream.error.js';
import { UpstreamErrorMapper } from '../openai-compatible/upstream-error.mapper.js';
import { UpstreamHttpClient, type UpstreamResponse } from '../openai-compatible/upstream-http.client.js';
import { anthropicErrorClass, readAnthropicErrorBody } from './anthropic.error-reader.js';
import { toAnthropicRequest, UnsupportedRequestError } from './anthropic.request-transform.js';
import { toChatCompletion, toFinishReason, toCompletionUsage, toUpstreamUsage } from './anthropic.response-transform.js';
import { AnthropicStreamError, AnthropicStreamTransform } from './anthropic.stream-transform.js';
import type { AnthropicMessage, AnthropicRequest } from './anthropic.types.js';

const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Speaks the native Anthropic Messages API and translates both ways, so clients see OpenAI's
 * chat.completion / chat.completion.chunk formats whichever provider answered.
 */
export class AnthropicAdapter implements ProviderAdapter {
  readonly protocol = 'anthropic' as const;
  private readonly errors = new UpstreamErrorMapper(readAnthropicErrorBody);
  private readonly http = new UpstreamHttpClient(this.errors);
  /** Per provider, per key sent: the headers are the same for every call with that key. */
  private readonly headersByProvider = new WeakMap<ProviderConfig, Map<string, Record<string, string>>>();

  async chat(target: CallTarget, call: ChatCall): Promise<JsonResult | StreamResult> {
    const request = this.toRequest(target, call);
    const response = await this.http.send({
      target,
      endpoint: 'messages',
      headers: this.headers(target),
      body: JSON.stringify(request),
      signal: call.signal,
    });
    const created = Math.floor(Date.now() / 1000);
    if (!call.stream) return this.json(target, response, created);
    const stats: CallStats = { finishReasons: [] };
    const transform = new AnthropicStreamTransform(stats, call.clientWantsUsage, created, target.model.upstreamModel);
    return { kind: 'stream', status: response.status, chunks: this.translate(target, response, transform), stats };
  }

  embeddings(target: CallTarget): Promise<JsonResult> {
    return Promise.reject(this.badRequest(target, 'provider does not support embeddings'));
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private toRequest(target: CallTarget, call: ChatCall): AnthropicRequest {
    try {
      return toAnthropicRequest(call.body, target.model.upstreamModel, call.stream);
    } catch (err) {
      if (err instanceof UnsupportedRequestError) throw this.badRequest(target, err.message);
      throw err;
    }
  }

  private async json(target: CallTarget, response: UpstreamResponse, created: number): Promise<JsonResult> {
    const raw = await response.readAll();
    let message: AnthropicMessage;
    try {
      message = JSON.parse(raw.toString('utf8')) as AnthropicMessage;
    } catch {
      throw this.errors.protocol(target, 'upstream answered 2xx with a body that is not JSON', false);
    }
    if (!Array.isArray(message?.content) || typeof message.usage !== 'object') {
      throw this.errors.protocol(target, 'upstream answered 2xx without a Messages API body', false);
    }
    const completion = toChatCompletion(message, created);
    const stats: CallStats = {
      usage: toUpstreamUsage(toCompletionUsage(message.usage)),
      finishReasons: [toFinishReason(message.stop_reason)],
      responseModel: message.model,
      responseId: message.id,
    };
    return { kind: 'json', status: response.status, body: Buffer.from(JSON.stringify(completion)), stats };
  }

  private async *translate(target: CallTarget, response: UpstreamResponse, transform: AnthropicStreamTransform): AsyncGenerator<Uint8Array> {
    const parser = new SseParser();
    try {
      for await (const chunk of response.chunks()) {
        // One write per network chunk, however many events it held.
        let out = '';
        for (const event of parser.push(chunk)) out += transform.push(event);
        if (out) yield Buffer.from(out);
      }
      let tail = '';
      for (const event of parser.flush()) tail += transform.push(event);
      if (tail) yield Buffer.from(tail);
      transform.end();
    } catch (err) {
      if (err instanceof AnthropicStreamError) {
        throw this.errors.fromStreamError(target, { message: err.message, code: err.type, errorClass: anthropicErrorClass(err.type) });
      }
      throw err;
    }
  }

  private badRequest(target: CallTarget, message: string): UpstreamError {
    return new UpstreamError({
      errorClass: 'bad_request',
      message: `${target.provider.name}: ${message}`,
      provider: target.provider.name,
      model: target.model.id,
    });
  }

  private headers(target: CallTarget): Record<string, string> {
    const { provider } = target;
    const apiKey = credentialOf(target) ?? '';
    let byKey = this.headersByProvider.get(provider);
    if (!byKey) this.headersByProvider.set(provider, (byKey = new Map<string, Record<string, string>>()));
    let headers = byKey.get(apiKey);
    if (!headers) {
      headers = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
      if (apiKey) headers['x-api-key'] = apiKey;
      // Configured headers come last so a provider can add `anthropic-beta` or pin another version.
      Object.assign(headers, provider.headers);
      byKey.set(apiKey, headers);
    }
    return headers;
  }
}

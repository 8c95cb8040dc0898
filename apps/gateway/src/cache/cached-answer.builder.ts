import type { CallRecord } from '../tracing/call-record.js';
import { assembleStreamedResponse } from '../tracing/stream-assembler.js';
import { type CachedAnswer, type CachedCompletion, cachedCompletionSchema, parseCachedCompletion } from './cached-answer.js';

/**
 * Finish reasons worth replaying. `length` is kept: max_tokens is part of the key, so the same
 * request would be cut at the same place again. `content_filter` is not: moderation verdicts change
 * with the provider's settings, and a wrongly blocked answer must not be pinned for the TTL.
 */
const CACHEABLE_FINISH: ReadonlySet<string> = new Set(['stop', 'length', 'tool_calls']);

/** Every choice finished cleanly and says something (text or a tool call); a refusal or an empty answer is not pinned. */
const isCacheable = (c: CachedCompletion): boolean =>
  c.choices.every((choice) => !!choice.finish_reason && CACHEABLE_FINISH.has(choice.finish_reason) && (!!choice.message.content || !!choice.message.tool_calls?.length));

/**
 * The chat.completion a streamed call amounts to, so a later JSON request can be served from it.
 * Usage comes from the stream when the client asked for it, else from what the adapter learned.
 */
export function completionFromStream(chunks: Uint8Array[], stats: CallRecord['stats'], now: number): Buffer | undefined {
  const { response } = assembleStreamedResponse(chunks);
  if (response['error'] !== undefined) return undefined;
  const streamUsage = response['usage'];
  const usage =
    streamUsage && typeof streamUsage === 'object'
      ? streamUsage
      : stats?.usage && { prompt_tokens: stats.usage.inputTokens, completion_tokens: stats.usage.outputTokens, total_tokens: stats.usage.inputTokens + stats.usage.outputTokens };
  const assembled = cachedCompletionSchema.safeParse({ ...response, created: Math.floor(now / 1000), usage });
  if (!assembled.success) return undefined;
  const { id, model, created } = assembled.data;
  const completion = {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: assembled.data.choices.map((c) => ({
      index: c.index,
      message: {
        role: 'assistant',
        // The role chunk's empty string is no text when the answer only calls tools.
        content: c.message.content === '' && c.message.tool_calls?.length ? null : (c.message.content ?? null),
        refusal: null,
        ...(c.message.tool_calls?.length && {
          // A JSON answer's tool calls need an id; a stream that never sent one still gets a stable one.
          tool_calls: c.message.tool_calls.map((t, i) => ({ id: t.id ?? `call_${c.index}_${i}`, type: 'function', function: { name: t.function.name, arguments: t.function.arguments } })),
        }),
      },
      logprobs: null,
      finish_reason: c.finish_reason ?? null,
    })),
    ...(usage && { usage }),
  };
  return Buffer.from(JSON.stringify(completion));
}

/**
 * What to store for a call that just ended, or undefined when it must not be cached: it failed,
 * was cut short, did not finish cleanly, or came from the cache itself.
 */
export function cachedAnswerOf(record: CallRecord, sourceSpanId: string, now: number): CachedAnswer | undefined {
  if (record.status !== 'ok' || record.httpStatus !== 200 || record.cache || !record.target || record.operation !== 'chat') return undefined;
  const bytes = record.responseBytes;
  if (!bytes) return undefined;
  const body = Array.isArray(bytes) ? completionFromStream(bytes, record.stats, now) : bytes;
  if (!body) return undefined;
  const completion = parseCachedCompletion(body);
  if (!completion || !isCacheable(completion)) return undefined;
  return {
    meta: {
      model: record.target.model.id,
      storedAt: now,
      sourceSpanId,
      finishReasons: completion.choices.map((c) => c.finish_reason ?? ''),
      responseModel: completion.model,
      responseId: completion.id,
    },
    body,
  };
}

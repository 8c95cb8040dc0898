import type { CachedCompletion } from './cached-answer.js';

/** Long answers go out in pieces of this many characters, as a stream normally would. */
const CONTENT_PIECE_CHARS = 256;

const sse = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** Splits on code points, so no piece ends inside a surrogate pair. */
function pieces(text: string): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += CONTENT_PIECE_CHARS) out.push(points.slice(i, i + CONTENT_PIECE_CHARS).join(''));
  return out;
}

/**
 * A stored chat.completion as the `chat.completion.chunk` SSE events OpenAI would have streamed:
 * per choice a role chunk, its refusal, content pieces and tool calls, then a finish chunk; a
 * usage chunk only when the client asked for it (`stream_options.include_usage`); then `[DONE]`.
 */
export function replayStreamEvents(completion: CachedCompletion, includeUsage: boolean): string[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model,
    ...(completion.system_fingerprint && { system_fingerprint: completion.system_fingerprint }),
    ...(completion.service_tier && { service_tier: completion.service_tier }),
  };
  // OpenAI marks every chunk `usage: null` when usage was asked for; clients may rely on the field.
  const chunk = (index: number, delta: Record<string, unknown>, finishReason: string | null = null): string =>
    sse({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage && { usage: null }) });
  const events: string[] = [];
  for (const choice of [...completion.choices].sort((a, b) => a.index - b.index)) {
    const { content, refusal, tool_calls: toolCalls } = choice.message;
    // As OpenAI does: an empty string opens a text answer, null one that only calls tools.
    events.push(chunk(choice.index, { role: 'assistant', content: typeof content === 'string' ? '' : null, refusal: null }));
    if (refusal) events.push(chunk(choice.index, { refusal }));
    for (const piece of content ? pieces(content) : []) events.push(chunk(choice.index, { content: piece }));
    (toolCalls ?? []).forEach((call, i) => {
      events.push(chunk(choice.index, { tool_calls: [{ index: i, ...(call.id && { id: call.id }), type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] }));
    });
    events.push(chunk(choice.index, {}, choice.finish_reason ?? 'stop'));
  }
  if (includeUsage && completion.usage) events.push(sse({ ...base, choices: [], usage: completion.usage }));
  events.push('data: [DONE]\n\n');
  return events;
}

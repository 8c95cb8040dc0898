import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { CallStats } from '../provider.adapter.js';
import type { SseEvent } from '../sse/sse.parser.js';
import { toCompletionUsage, toFinishReason, toUpstreamUsage, type FinishReason } from './anthropic.response-transform.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic.types.js';

type Delta = ChatCompletionChunk.Choice.Delta;

/** An Anthropic `error` event, or a stream that ended before `message_stop`. */
export class AnthropicStreamError extends Error {
  constructor(
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export const DONE_EVENT = 'data: [DONE]\n\n';

/**
 * Turns Anthropic Messages stream events into OpenAI `chat.completion.chunk` SSE text, one
 * upstream event at a time, and fills CallStats as it goes. Feed every event to `push`, then call
 * `end` once the upstream body is exhausted.
 */
export class AnthropicStreamTransform {
  private id = '';
  private model: string;
  private readonly usage: AnthropicUsage = {};
  /** Anthropic content-block index → OpenAI tool_calls index (which counts tool calls only). */
  private readonly toolIndexes = new Map<number, number>();
  private finishReason: FinishReason | undefined;
  private stopped = false;

  constructor(
    private readonly stats: CallStats,
    private readonly clientWantsUsage: boolean,
    private readonly created: number,
    model: string,
  ) {
    this.model = model;
  }

  /** Returns the OpenAI SSE text for this event ('' when it has no OpenAI counterpart). */
  push(event: SseEvent): string {
    if (this.stopped || event.data === undefined) return '';
    const data = parse(event.data);
    if (!data) return '';
    switch (data.type) {
      case 'message_start': {
        this.id = data.message.id;
        this.model = data.message.model || this.model;
        Object.assign(this.usage, data.message.usage);
        this.stats.responseId = this.id;
        this.stats.responseModel = this.model;
        return this.chunk({ role: 'assistant', content: '', refusal: null });
      }
      case 'content_block_start': {
        const block = data.content_block;
        if (block.type === 'text' && 'text' in block && block.text) return this.content(block.text);
        if (block.type === 'tool_use' && 'id' in block) {
          const index = this.toolIndexes.size;
          this.toolIndexes.set(data.index, index);
          this.stats.firstTokenAt ??= performance.now();
          return this.chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] });
        }
        return '';
      }
      case 'content_block_delta': {
        const delta = data.delta;
        if (delta.type === 'text_delta' && 'text' in delta) return delta.text ? this.content(delta.text) : '';
        if (delta.type === 'input_json_delta' && 'partial_json' in delta) {
          const index = this.toolIndexes.get(data.index);
          if (index === undefined || !delta.partial_json) return '';
          return this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        return ''; // thinking, signature and citation deltas have no OpenAI chunk field
      }
      case 'message_delta': {
        // message_delta usage is cumulative; it may repeat input counts or give only output_tokens.
        for (const [key, value] of Object.entries(data.usage ?? {})) {
          if (typeof value === 'number') this.usage[key as keyof AnthropicUsage] = value;
        }
        this.stats.usage = toUpstreamUsage(toCompletionUsage(this.usage));
        if (data.delta.stop_reason === undefined) return '';
        return this.finish(toFinishReason(data.delta.stop_reason));
      }
      case 'message_stop': {
        this.stopped = true;
        const usage = toCompletionUsage(this.usage);
        this.stats.usage = toUpstreamUsage(usage);
        let out = this.finishReason === undefined ? this.finish('stop') : '';
        if (this.clientWantsUsage) out += this.usageChunk(usage);
        return out + DONE_EVENT;
      }
      case 'error':
        throw new AnthropicStreamError(data.error?.type, data.error?.message ?? 'upstream error event');
      case 'content_block_stop':
      case 'ping':
        return '';
      default:
        return ''; // event types added after this was written
    }
  }

  /** Throws when the upstream body ended without `message_stop`: the answer is incomplete. */
  end(): void {
    if (!this.stopped) throw new AnthropicStreamError(undefined, 'upstream stream ended before message_stop');
  }

  private content(text: string): string {
    this.stats.firstTokenAt ??= performance.now();
    return this.chunk({ content: text });
  }

  private finish(reason: FinishReason): string {
    this.finishReason = reason;
    this.stats.finishReasons = [reason];
    return this.chunk({}, reason);
  }

  private chunk(delta: Delta, finishReason: FinishReason | null = null): string {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  private usageChunk(usage: CompletionUsage): string {
    const chunk: ChatCompletionChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}

function parse(data: string): AnthropicStreamEvent | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as AnthropicStreamEvent) : undefined;
  } catch {
    return undefined;
  }
}

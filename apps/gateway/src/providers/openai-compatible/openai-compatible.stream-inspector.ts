import type { CallStats } from '../provider.adapter.js';
import type { SseEvent } from '../sse/sse.parser.js';
import { isRecord, stringField, type UpstreamErrorDetail } from './upstream-error.mapper.js';
import { readOpenAiErrorBody } from './openai-compatible.error-reader.js';

// Most chunks only need passing through; these cheap tests decide which ones are worth JSON.parse.
const FINISH_REASON = /"finish_reason"\s*:\s*"/;
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const ERROR_OBJECT = /^\s*\{\s*"error"\s*:/;

/** Thrown when the upstream sends an error object inside a 2xx stream; the adapter classifies it. */
export class StreamErrorEvent extends Error {
  constructor(readonly detail: UpstreamErrorDetail) {
    super(detail.message ?? 'upstream error event');
  }
}

/**
 * Watches OpenAI chat.completion.chunk events as they pass, filling CallStats, and decides which
 * events reach the client: the upstream's `[DONE]` is held back (the adapter appends exactly one),
 * and the usage-only chunk we asked for is dropped when the client did not.
 */
export class OpenAiStreamInspector {
  /** The upstream sent `[DONE]`. */
  done = false;
  /** Some choice reported a finish_reason, so the answer is complete even without `[DONE]`. */
  finished = false;

  constructor(
    private readonly stats: CallStats,
    private readonly clientWantsUsage: boolean,
  ) {}

  /** Returns the bytes to forward for these events (undefined when none), updating stats. */
  pass(events: SseEvent[]): Uint8Array | undefined {
    if (events.length === 0) return undefined;
    const kept: Uint8Array[] = [];
    for (const event of events) if (this.keep(event)) kept.push(event.raw);
    if (kept.length <= 1) return kept[0];
    return Buffer.concat(kept);
  }

  private keep(event: SseEvent): boolean {
    if (this.done) return false;
    const data = event.data;
    if (data === undefined) return true; // comments keep the client's connection warm
    if (data === '[DONE]') {
      this.done = true;
      return false;
    }
    if (ERROR_OBJECT.test(data)) throw new StreamErrorEvent(readOpenAiErrorBody(parseJson(data)));
    const stats = this.stats;
    const interesting =
      stats.responseId === undefined || stats.firstTokenAt === undefined || FINISH_REASON.test(data) || USAGE_OBJECT.test(data);
    if (!interesting) return true;
    const chunk = parseJson(data);
    if (!isRecord(chunk)) return true; // not ours to fix: the bytes go through as the upstream sent them
    stats.responseId ??= stringField(chunk, 'id');
    stats.responseModel ??= stringField(chunk, 'model');
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choice of choices) {
      if (!isRecord(choice)) continue;
      const delta = isRecord(choice.delta) ? choice.delta : undefined;
      if (stats.firstTokenAt === undefined && delta && carriesToken(delta)) stats.firstTokenAt = performance.now();
      if (typeof choice.finish_reason === 'string') {
        stats.finishReasons.push(choice.finish_reason);
        this.finished = true;
      }
    }
    if (isRecord(chunk.usage)) {
      stats.usage = { inputTokens: numberOr0(chunk.usage.prompt_tokens), outputTokens: numberOr0(chunk.usage.completion_tokens) };
      if (choices.length === 0 && !this.clientWantsUsage) return false;
    }
    return true;
  }
}

function carriesToken(delta: Record<string, unknown>): boolean {
  return (
    (typeof delta.content === 'string' && delta.content.length > 0) ||
    (typeof delta.refusal === 'string' && delta.refusal.length > 0) ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

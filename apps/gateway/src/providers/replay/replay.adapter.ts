import { randomUUID } from 'node:crypto';
import { setImmediate as nextTick } from 'node:timers/promises';
import { Injectable, Optional } from '@nestjs/common';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { z } from 'zod';
import type { CallStats, CallTarget, ChatCall, JsonResult, ProviderAdapter, StreamResult } from '../provider.adapter.js';
import { UpstreamError, type UpstreamErrorClass } from '../upstream.error.js';
import {
  type FleetCandidate,
  FleetFileError,
  promptMessageSchema,
  type PromptMessage,
  recordedCandidate,
  type ReplayFleet,
  ReplayFleetRepository,
} from './replay-fleet.repository.js';

/** What the replay answers, stamped as one upstream completion. */
export interface ReplayAnswer {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The fleet's model name, reported back the way an upstream reports its model. */
  model: string;
  content: string;
  usage: FleetCandidate['usage'];
  /** Where the answer was recorded; absent for the unknown-prompt explanation. */
  recorded?: { rowId: string; candidate: FleetCandidate };
}

/** Content is streamed in at most this many pieces; a single-letter answer is one piece. */
const MAX_CONTENT_CHUNKS = 4;

const requestMessagesSchema = z.array(promptMessageSchema).min(1);
const encoder = new TextEncoder();

/**
 * Offline provider: answers a recorded prompt with the recorded answer and usage of the model
 * being called, from the provider's fleet file (see datasets/README.md). No answer is invented: a
 * model the fleet did not record is a 404, and so is a prompt it did not record, unless the provider
 * sets `unknownPrompt: explain`, which answers with a notice saying so. That notice is billed as the
 * model would bill it, with tokens estimated the way the fleet's own counts were (characters / 4),
 * so the demo's spans show the cost such a call would have had.
 */
@Injectable()
export class ReplayAdapter implements ProviderAdapter {
  readonly protocol = 'replay';
  /** Keyed by fleetPath; each file is read once, on its first call. */
  private readonly fleets = new Map<string, Promise<ReplayFleet>>();
  private readonly repository: ReplayFleetRepository;

  constructor(@Optional() repository?: ReplayFleetRepository) {
    this.repository = repository ?? new ReplayFleetRepository();
  }

  async chat(target: CallTarget, call: ChatCall): Promise<JsonResult | StreamResult> {
    // Aborts reject with the signal's reason, as fetch does, so the gateway handles them one way.
    call.signal.throwIfAborted();
    const fleet = await this.fleet(target);
    call.signal.throwIfAborted();
    const answer = this.answer(target, fleet, call.body);
    return call.stream ? streamResult(answer, call) : jsonResult(answer);
  }

  embeddings(target: CallTarget): Promise<JsonResult> {
    return Promise.reject(fail(target, 'bad_request', 'replay provider does not support embeddings', 400));
  }

  close(): Promise<void> {
    this.fleets.clear();
    return Promise.resolve();
  }

  /** The called model's recorded answer to the request's prompt, or the unknown-prompt notice. */
  protected answer(target: CallTarget, fleet: ReplayFleet, body: Record<string, unknown>): ReplayAnswer {
    const messages = requestMessagesSchema.safeParse(body.messages);
    if (!messages.success) throw fail(target, 'bad_request', 'replay: request has no valid messages', 400);
    const model = target.model.upstreamModel;
    const stamp = { id: `chatcmpl-replay-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model };
    const row = fleet.find(messages.data);
    if (!row && target.provider.unknownPrompt === 'explain') {
      const content = unknownPromptNotice(fleet, model);
      const promptChars = messages.data.reduce((n, m) => n + promptText(m).length, 0);
      return { ...stamp, content, usage: { prompt_tokens: estimateTokens(promptChars), completion_tokens: estimateTokens(content.length) } };
    }
    if (!row) {
      throw fail(
        target,
        'bad_request',
        `replay: prompt not in the recorded fleet (${fleet.name} holds ${fleet.size} prompts; replay answers only those, verbatim)`,
        404,
        'prompt_not_recorded',
      );
    }
    const candidate = recordedCandidate(row, model);
    if (!candidate) {
      throw fail(target, 'bad_request', `replay: model "${model}" not in fleet (${fleet.name} row ${row.id})`, 404, 'model_not_found');
    }
    return { ...stamp, content: candidate.content, usage: candidate.usage, recorded: { rowId: row.id, candidate } };
  }

  private async fleet(target: CallTarget): Promise<ReplayFleet> {
    const path = target.provider.fleetPath;
    if (!path) throw fail(target, 'server_error', `replay: provider "${target.provider.name}" has no fleetFile`);
    let loading = this.fleets.get(path);
    if (!loading) {
      loading = this.repository.load(path);
      this.fleets.set(path, loading);
      // A failed load is forgotten, so the next call retries it instead of failing forever.
      const failed = loading;
      void failed.catch(() => {
        if (this.fleets.get(path) === failed) this.fleets.delete(path);
      });
    }
    try {
      return await loading;
    } catch (err) {
      const reason = err instanceof FleetFileError ? err.message : 'cannot load the fleet file';
      throw fail(target, 'server_error', `replay: ${reason}`);
    }
  }
}

/** datasets/README.md: completion_tokens = max(1, round(len(content) / 4)). */
const estimateTokens = (chars: number): number => Math.max(1, Math.round(chars / 4));

const promptText = (m: PromptMessage): string =>
  m.content == null ? '' : typeof m.content === 'string' ? m.content : m.content.map((p) => p.text ?? '').join('');

function unknownPromptNotice(fleet: ReplayFleet, model: string): string {
  return (
    `[Switchyard replay] This prompt is not one of the ${fleet.size} recorded in ${fleet.name}, so there is no ` +
    `recorded answer from ${model} to replay. Send a recorded prompt (e.g. the messages of the fleet file's ` +
    `first line) to see real answers, or add a real provider to switchyard.yaml.`
  );
}

function fail(target: CallTarget, errorClass: UpstreamErrorClass, message: string, status?: number, upstreamCode?: string): UpstreamError {
  return new UpstreamError({ errorClass, message, provider: target.provider.name, model: target.model.id, status, upstreamCode });
}

function usageBody(answer: ReplayAnswer): CompletionUsage {
  const { prompt_tokens, completion_tokens } = answer.usage;
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function finalStats(answer: ReplayAnswer, stats: CallStats): void {
  stats.usage = { inputTokens: answer.usage.prompt_tokens, outputTokens: answer.usage.completion_tokens };
  stats.finishReasons.push('stop');
}

function jsonResult(answer: ReplayAnswer): JsonResult {
  const body: ChatCompletion = {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usageBody(answer),
  };
  const stats: CallStats = { finishReasons: [], responseModel: answer.model, responseId: answer.id };
  finalStats(answer, stats);
  return { kind: 'json', status: 200, body: Buffer.from(JSON.stringify(body)), stats };
}

function streamResult(answer: ReplayAnswer, call: ChatCall): StreamResult {
  const stats: CallStats = { finishReasons: [], responseModel: answer.model, responseId: answer.id };
  return { kind: 'stream', status: 200, chunks: sseChunks(answer, call, stats), stats };
}

/** OpenAI's chunk sequence: role, content pieces, finish, optional usage, [DONE]. */
async function* sseChunks(answer: ReplayAnswer, call: ChatCall, stats: CallStats): AsyncGenerator<Uint8Array> {
  const event = (choices: ChatCompletionChunk.Choice[], usage?: CompletionUsage): Uint8Array => {
    const chunk: ChatCompletionChunk = {
      id: answer.id,
      object: 'chat.completion.chunk',
      created: answer.created,
      model: answer.model,
      choices,
      // As OpenAI does: with include_usage every chunk carries `usage`, null until the last.
      ...(call.clientWantsUsage && { usage: usage ?? null }),
    };
    return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  const choice = (delta: ChatCompletionChunk.Choice.Delta, finish: 'stop' | null = null): ChatCompletionChunk.Choice => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });

  call.signal.throwIfAborted();
  yield event([choice({ role: 'assistant', content: '', refusal: null })]);
  for (const piece of splitContent(answer.content, MAX_CONTENT_CHUNKS)) {
    // One event-loop turn per piece, as bytes from a socket would take, so an abort lands mid-stream.
    // This is where a latency model would wait instead.
    await nextTick();
    call.signal.throwIfAborted();
    stats.firstTokenAt ??= performance.now();
    yield event([choice({ content: piece })]);
  }
  call.signal.throwIfAborted();
  finalStats(answer, stats);
  yield event([choice({}, 'stop')]);
  if (call.clientWantsUsage) yield event([], usageBody(answer));
  yield encoder.encode('data: [DONE]\n\n');
}

/** Splits text into at most `parts` pieces of about equal length, never inside a code point. */
export function splitContent(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

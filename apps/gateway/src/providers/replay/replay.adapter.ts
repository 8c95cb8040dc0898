import { randomUUID } from 'node:crypto';
import { setImmediate as nextTick } from 'node:timers/promises';
import { Injectable, Optional } from '@nestjs/common';
import type { ProviderConfig } from '@switchyard/config';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { z } from 'zod';
import type { CallStats, CallTarget, ChatCall, JsonResult, ProviderAdapter, StreamResult } from '../provider.adapter.js';
import { classifyHttpStatus } from '../openai-compatible/upstream-error.mapper.js';
import { UpstreamError, type UpstreamErrorClass } from '../upstream.error.js';
import { type InjectedFault, ReplayConditions, waitUntil } from './replay-conditions.service.js';
import {
  type FleetCandidate,
  FleetFileError,
  promptMessageSchema,
  type PromptMessage,
  recordedCandidate,
  type ReplayFleet,
  ReplayFleetRepository,
} from './replay-fleet.repository.js';
import { SimulatedJudge } from './replay-judge.service.js';

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

/** What one configured replay provider keeps between calls: its draw streams and its judge. */
interface ProviderState {
  conditions: ReplayConditions;
  judge?: { fleet: ReplayFleet; judge: SimulatedJudge };
}

/**
 * Offline provider: answers a recorded prompt with the recorded answer and usage of the model
 * being called, from the provider's fleet file (see datasets/README.md). No answer is invented: a
 * model the fleet did not record is a 404, and so is a prompt it did not record, unless the provider
 * sets `unknownPrompt: explain`, which answers with a notice saying so. That notice is billed as the
 * model would bill it, with tokens estimated the way the fleet's own counts were (characters / 4),
 * so the demo's spans show the cost such a call would have had.
 *
 * For benchmarks and fault tests a provider can add a latency distribution and injected errors per
 * model (ReplayConditions), and name models that answer as a simulated judge (SimulatedJudge).
 */
@Injectable()
export class ReplayAdapter implements ProviderAdapter {
  readonly protocol = 'replay';
  /** Keyed by fleetPath; each file is read once, on its first call. */
  private readonly fleets = new Map<string, Promise<ReplayFleet>>();
  /** Keyed by the provider's config object, which the gateway holds for its whole life. */
  private readonly states = new WeakMap<ProviderConfig, ProviderState>();
  private readonly repository: ReplayFleetRepository;

  constructor(@Optional() repository?: ReplayFleetRepository) {
    this.repository = repository ?? new ReplayFleetRepository();
  }

  async chat(target: CallTarget, call: ChatCall): Promise<JsonResult | StreamResult> {
    // Aborts reject with the signal's reason, as fetch does, so the gateway handles them one way.
    call.signal.throwIfAborted();
    const fleet = await this.fleet(target);
    call.signal.throwIfAborted();
    const state = this.state(target.provider);
    // An overloaded or rate-limiting upstream refuses before doing the work, so a fault answers at once.
    const fault = state.conditions.fault(target.model.id);
    if (fault) throw injected(target, fault);
    const answer = target.provider.judge?.models.includes(target.model.id) ? this.judgeAnswer(target, this.judge(target.provider, state, fleet), call.body) : this.answer(target, fleet, call.body);
    const latencyMs = state.conditions.latencyMs(target.model.id);
    if (call.stream) return streamResult(answer, call, latencyMs);
    if (latencyMs > 0) await waitUntil(performance.now() + latencyMs, call.signal);
    return jsonResult(answer);
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

  /** A simulated judge's verdict on a rubric prompt; anything else is a 400, as a judge-only endpoint would answer. */
  protected judgeAnswer(target: CallTarget, judge: SimulatedJudge, body: Record<string, unknown>): ReplayAnswer {
    const messages = requestMessagesSchema.safeParse(body.messages);
    if (!messages.success) throw fail(target, 'bad_request', 'replay: request has no valid messages', 400);
    const judgment = judge.judge(messages.data);
    if (!judgment) {
      throw fail(
        target,
        'bad_request',
        `replay: model "${target.model.id}" is a simulated judge; it answers only judge rubric prompts (a [Conversation] section, then the answer to grade)`,
        400,
        'not_a_judge_prompt',
      );
    }
    const promptChars = messages.data.reduce((n, m) => n + promptText(m).length, 0);
    return {
      id: `chatcmpl-replay-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model.upstreamModel,
      content: judgment.reply,
      usage: { prompt_tokens: estimateTokens(promptChars), completion_tokens: estimateTokens(judgment.reply.length) },
    };
  }

  private state(provider: ProviderConfig): ProviderState {
    let state = this.states.get(provider);
    if (!state) {
      state = { conditions: new ReplayConditions(provider) };
      this.states.set(provider, state);
    }
    return state;
  }

  /** The provider's judge over this fleet, indexed once per loaded fleet. */
  private judge(provider: ProviderConfig, state: ProviderState, fleet: ReplayFleet): SimulatedJudge {
    if (state.judge?.fleet !== fleet) {
      const options = { noiseRate: provider.judge?.noiseRate ?? 0.1, seed: provider.judge?.seed ?? provider.seed ?? 0 };
      state.judge = { fleet, judge: new SimulatedJudge(fleet, options) };
    }
    return state.judge.judge;
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

function injected(target: CallTarget, fault: InjectedFault): UpstreamError {
  const errorClass = classifyHttpStatus(fault.status);
  return new UpstreamError({
    errorClass,
    message: `replay: injected fault, HTTP ${fault.status} (faults.errorRate ${fault.errorRate})`,
    provider: target.provider.name,
    model: target.model.id,
    status: fault.status,
    // As the HTTP adapters read retry-after: only where a client may act on it.
    retryAfterMs: errorClass === 'rate_limited' || errorClass === 'server_error' ? fault.retryAfterMs : undefined,
    upstreamCode: 'injected_fault',
  });
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

function streamResult(answer: ReplayAnswer, call: ChatCall, latencyMs: number): StreamResult {
  const stats: CallStats = { finishReasons: [], responseModel: answer.model, responseId: answer.id };
  return { kind: 'stream', status: 200, chunks: sseChunks(answer, call, stats, latencyMs), stats };
}

/**
 * How a stream spends the call's sampled latency, so it ends when the same call unstreamed would
 * answer: half before the first event (the prompt's prefill, i.e. time to first token), the other
 * half spread evenly between the later content pieces (decoding). An answer of one piece (a
 * single letter) spends it all before that piece.
 */
export function streamWaits(latencyMs: number, pieces: number): { firstMs: number; betweenMs: number } {
  if (pieces <= 1) return { firstMs: latencyMs, betweenMs: 0 };
  return { firstMs: latencyMs / 2, betweenMs: latencyMs / 2 / (pieces - 1) };
}

/** OpenAI's chunk sequence: role, content pieces, finish, optional usage, [DONE]. */
async function* sseChunks(answer: ReplayAnswer, call: ChatCall, stats: CallStats, latencyMs: number): AsyncGenerator<Uint8Array> {
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

  const pieces = splitContent(answer.content, MAX_CONTENT_CHUNKS);
  const waits = streamWaits(latencyMs, pieces.length);
  const start = performance.now();
  if (waits.firstMs > 0) await waitUntil(start + waits.firstMs, call.signal);
  call.signal.throwIfAborted();
  yield event([choice({ role: 'assistant', content: '', refusal: null })]);
  for (const [i, piece] of pieces.entries()) {
    // Without latency, one event-loop turn per piece, as bytes from a socket would take, so an abort lands mid-stream.
    if (i > 0 && waits.betweenMs > 0) await waitUntil(start + waits.firstMs + i * waits.betweenMs, call.signal);
    else await nextTick();
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

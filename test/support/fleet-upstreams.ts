import type { FakeResponder, RecordedRequest } from '@switchyard/testing';
import { type FleetRow, type PromptMessage, recordedCandidate, type ReplayFleet, ReplayFleetRepository } from '../../apps/gateway/src/providers/replay/replay-fleet.repository.js';
import { renderConversation } from '../../apps/worker/src/judge/span-sample.js';

/** A recorded fleet served over real HTTP: one fake OpenAI upstream per model answers from its recordings. */
export async function loadFleet(path: string): Promise<ReplayFleet> {
  return new ReplayFleetRepository().load(path);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const messagesOf = (request: RecordedRequest): PromptMessage[] => (isObject(request.body) && Array.isArray(request.body['messages']) ? (request.body['messages'] as PromptMessage[]) : []);

/** What a corrupted model answers instead of its recording: wrong for every prompt. */
export const CORRUPTED_ANSWER = 'I would rather not say.';

/**
 * Answers as `model` did in the recording, with its recorded token usage (so spans cost what the
 * benchmark's calls cost). `corrupted()` turning true makes every later answer wrong: a provider
 * that silently changed the model behind the name.
 */
export function fleetResponder(fleet: ReplayFleet, model: string, corrupted: () => boolean = () => false): FakeResponder {
  return (request) => {
    if (!request.path.startsWith('/v1/chat/completions')) return undefined;
    const row = fleet.find(messagesOf(request));
    const candidate = row && recordedCandidate(row, model);
    if (!candidate) return { kind: 'error', status: 404, code: 'not_recorded', message: `no recording of ${model} for this prompt` };
    const usage = { inputTokens: candidate.usage.prompt_tokens, outputTokens: candidate.usage.completion_tokens };
    return { kind: 'ok', text: corrupted() ? CORRUPTED_ANSWER : candidate.content, usage };
  };
}

const CONVERSATION = '[Conversation]\n';
const ANSWER = '\n\n[Answer to grade]\n';

/**
 * Stands in for the LLM judge with the benchmark's own ground truth: it finds the graded prompt in
 * the fleet and scores the answer 10 when a model's recording with that exact text was marked
 * correct, else 1. An answer no model recorded (a corrupted one) is wrong. It speaks the judge
 * rubric's reply format, so the worker parses it like any judge's.
 */
export function oracleJudge(fleet: ReplayFleet): FakeResponder {
  const byConversation = new Map<string, FleetRow>();
  for (const row of fleet.rows) byConversation.set(renderConversation(row.messages).trim(), row);
  return (request) => {
    const last = messagesOf(request).at(-1);
    const text = typeof last?.content === 'string' ? last.content : '';
    const split = text.indexOf(ANSWER);
    const start = text.indexOf(CONVERSATION);
    if (split < 0 || start < 0) return { kind: 'ok', text: '{"score": 1, "reason": "not a rubric prompt"}' };
    const row = byConversation.get(text.slice(start + CONVERSATION.length, split).trim());
    const answer = text.slice(split + ANSWER.length).trim();
    const correct = row !== undefined && Object.values(row.candidates).some((c) => c.content.trim() === answer && c.score >= 0.5);
    return { kind: 'ok', text: JSON.stringify({ score: correct ? 10 : 1, reason: correct ? 'matches a correct recording' : 'wrong or unrecorded' }) };
  };
}

import type { FakeResponder, RecordedRequest } from '@switchyard/testing';
import { type PromptMessage, recordedCandidate, type ReplayFleet, ReplayFleetRepository } from '../../apps/gateway/src/providers/replay/replay-fleet.repository.js';
import { SimulatedJudge } from '../../apps/gateway/src/providers/replay/replay-judge.service.js';

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

/**
 * Stands in for the LLM judge with the benchmark's own ground truth: the replay provider's
 * simulated judge without noise, served over HTTP. It scores an answer correct when a model's
 * recording of the graded prompt with that exact text was marked correct; an answer no model
 * recorded (a corrupted one) is wrong. It speaks the rubric's reply format, so the worker parses it
 * like any judge's; a prompt that is not a rubric's gets a 400.
 */
export function oracleJudge(fleet: ReplayFleet): FakeResponder {
  const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 0 });
  return (request) => {
    const judgment = judge.judge(messagesOf(request));
    if (!judgment) return { kind: 'error', status: 400, code: 'not_a_judge_prompt', message: 'not a judge rubric prompt' };
    return { kind: 'ok', text: judgment.reply };
  };
}

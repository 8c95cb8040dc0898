import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadTestEnv } from '@switchyard/config';
import type { ShadowJob } from '@switchyard/contracts';
import { type DatabaseHandle, type NewSpanRow, ScoreRepository, SpanRepository } from '@switchyard/db';
import { buildSpanRow, createTestDatabase, newSpanId } from '@switchyard/testing';
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpanNotPersistedError } from '../judge/judge-span.service.js';
import type { JudgeLlm, JudgeReply } from '../judge/judge-llm.client.js';
import { LlmJudge } from '../judge/llm-judge.service.js';
import { RubricRepository } from '../judge/rubric.repository.js';
import { ExplorationBudgetRepository } from './exploration-budget.repository.js';
import { type ShadowCallContext, ShadowCallError, type ShadowGateway, type ShadowReply } from './shadow-gateway.client.js';
import { BudgetHeldError, type ReplayedProbe, ShadowProbeService, type ShadowProbeSettings } from './shadow-probe.service.js';

const completion = (text: string, usage = { prompt_tokens: 400, completion_tokens: 60 }): ChatCompletion => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 0,
  model: 'upstream',
  choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: text, refusal: null } }],
  usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
});

/** Answers replays from a script and keeps what it was sent. */
class FakeGateway implements ShadowGateway {
  readonly calls: { body: ChatCompletionCreateParamsNonStreaming; context: ShadowCallContext }[] = [];
  next: (body: ChatCompletionCreateParamsNonStreaming) => ShadowReply = (body) => ({ spanId: newSpanId(), model: body.model, completion: completion('Paris.') });
  replay(body: ChatCompletionCreateParamsNonStreaming, context: ShadowCallContext): Promise<ShadowReply> {
    this.calls.push({ body, context });
    return Promise.resolve().then(() => this.next(body));
  }
}

class VerdictLlm implements JudgeLlm {
  readonly prompts: string[] = [];
  complete(messages: Parameters<JudgeLlm['complete']>[0]): Promise<JudgeReply> {
    this.prompts.push(JSON.stringify(messages));
    return Promise.resolve({ content: '{"score": 10, "reason": "right"}', spanId: 'judge0000000000a' });
  }
}

const PRICING = new Map([
  ['gpt-live', { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 }],
  ['gpt-cheap', { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 }],
]);

describe('ShadowProbeService (real Postgres and Redis, fake gateway and judge)', () => {
  let database: DatabaseHandle;
  let redis: Redis;
  let spans: SpanRepository;
  let scores: ScoreRepository;
  let rubrics: RubricRepository;
  let gateway: FakeGateway;
  let llm: VerdictLlm;
  let budget: ExplorationBudgetRepository;
  let checkpoints: ReplayedProbe[];

  beforeAll(() => {
    database = createTestDatabase({ max: 4 });
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    spans = new SpanRepository(database.db);
    scores = new ScoreRepository(database.db);
    rubrics = new RubricRepository(resolve('evals/rubrics'));
  });

  afterAll(async () => {
    redis.disconnect();
    await database.close();
  });

  beforeEach(() => {
    gateway = new FakeGateway();
    llm = new VerdictLlm();
    budget = new ExplorationBudgetRepository(redis, `probe-spec-${randomBytes(6).toString('hex')}`);
    checkpoints = [];
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  const service = (settings: Partial<ShadowProbeSettings> = {}): ShadowProbeService =>
    new ShadowProbeService(spans, scores, rubrics, new LlmJudge(llm, 0), budget, gateway, { budgetUsdPerDay: 1, pricing: PRICING, ...settings });
  const checkpoint = (r: ReplayedProbe): Promise<void> => {
    checkpoints.push(r);
    return Promise.resolve();
  };

  const liveSpan = async (overrides: Partial<NewSpanRow> = {}): Promise<NewSpanRow> => {
    const row = buildSpanRow({
      model: 'gpt-live',
      workload: `wl-${randomBytes(4).toString('hex')}`,
      redaction: 'full',
      stream: true,
      inputTokens: 400,
      outputTokens: 50,
      requestBody: { model: 'auto', stream: true, stream_options: { include_usage: true }, temperature: 0.2, messages: [{ role: 'user', content: 'Capital of France?' }] },
      responseBody: completion('Paris, of course.'),
      ...overrides,
    });
    await spans.insertMany([row]);
    return row;
  };
  const job = (source: NewSpanRow, model = 'gpt-cheap'): ShadowJob => ({ sourceSpanId: source.spanId, model, rubric: 'helpfulness' });

  it('replays the live request to the target, judges the answer, and scores the probe span with source shadow', async () => {
    const source = await liveSpan();
    expect(await service().execute(job(source), checkpoint)).toBe('scored');

    expect(gateway.calls).toHaveLength(1);
    const [{ body, context }] = gateway.calls;
    // The same request, to the other model, unstreamed; the output capped (the client set no cap) so the cost is bounded.
    expect(body).toEqual({ model: 'gpt-cheap', stream: false, temperature: 0.2, messages: [{ role: 'user', content: 'Capital of France?' }], max_completion_tokens: 512 });
    expect(context).toEqual({ sourceSpanId: source.spanId, workload: source.workload });

    // 400 in and 60 out at the target's prices.
    const cost = (400 * 0.15 + 60 * 0.6) / 1e6;
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]).toMatchObject({ model: 'gpt-cheap' });
    expect(checkpoints[0]?.costUsd).toBeCloseTo(cost, 15);
    expect(await budget.usage()).toMatchObject({ spentUsd: Math.ceil(cost * 1e6) / 1e6, reservedUsd: 0, openReservations: 0 });

    const probeSpanId = checkpoints[0]?.spanId ?? '';
    const [score] = await scores.forSpan(probeSpanId);
    expect(score).toMatchObject({
      spanId: probeSpanId,
      source: 'shadow',
      scorer: 'judge:helpfulness',
      scorerVersion: '1',
      status: 'ok',
      score: 1,
      workload: source.workload,
      model: 'gpt-cheap',
      runId: source.spanId,
      judgeSpanId: 'judge0000000000a',
      metadata: { sourceSpanId: source.spanId, sourceModel: 'gpt-live', targetModel: 'gpt-cheap' },
    });
    // The judge read the live question and the probe's answer, not the live answer.
    expect(llm.prompts[0]).toContain('Capital of France?');
    expect(llm.prompts[0]).toContain('Paris.');
    expect(llm.prompts[0]).not.toContain('Paris, of course.');
    // Nothing was written under the live span.
    expect(await scores.forSpan(source.spanId)).toEqual([]);
  });

  it("keeps the client's own output cap and prices it", async () => {
    const source = await liveSpan({ requestBody: { model: 'auto', max_tokens: 2_000, n: 2, messages: [{ role: 'user', content: 'Write an essay.' }] } });
    // Its estimate, 496 in (400 with a margin) and 2 x 2,000 out at the target's prices, is over this budget,
    // yet nothing is spent today: a reservation is granted while the spend is under the budget.
    const estimate = (496 * 0.15 + 4_000 * 0.6) / 1e6;
    expect(await service({ budgetUsdPerDay: estimate - 0.000_01 }).execute(job(source), checkpoint)).toBe('scored');
    expect(gateway.calls[0]?.body).toEqual({ model: 'gpt-cheap', stream: false, max_tokens: 2_000, n: 2, messages: [{ role: 'user', content: 'Write an essay.' }] });
    // Now the spend is over: the next probe is refused. That is the "at most one probe over" bound.
    const second = await liveSpan();
    expect(await service({ budgetUsdPerDay: 0.000_01 }).execute(job(second), checkpoint)).toBe('budget_exhausted');
  });

  it('stops at the budget: the job completes as budget_exhausted and nothing is called', async () => {
    const source = await liveSpan();
    expect(await service({ budgetUsdPerDay: 0 }).execute(job(source), checkpoint)).toBe('budget_exhausted');
    expect(gateway.calls).toEqual([]);
    expect(await scores.query({ workload: source.workload, limit: 10 })).toEqual([]);
  });

  it('waits while probes in flight hold the rest of the budget, and runs once they settle under their estimates', async () => {
    const source = await liveSpan();
    // Another probe in flight holds the whole $0.01 budget, though nothing is spent yet.
    const other = await budget.reserve(0.01, 0.01);
    if (!other.granted) throw new Error('the first reservation should be granted');
    const probe = service({ budgetUsdPerDay: 0.01 }).execute(job(source), checkpoint);
    await new Promise((r) => setTimeout(r, 150));
    expect(gateway.calls).toEqual([]);
    await budget.settle(other.reservation, 0.002);
    expect(await probe).toBe('scored');
    expect(gateway.calls).toHaveLength(1);
  });

  it('gives up waiting after holdWaitMs with a transient error, holding nothing', async () => {
    const source = await liveSpan();
    const other = await budget.reserve(0.01, 0.01);
    expect(other.granted).toBe(true);
    await expect(service({ budgetUsdPerDay: 0.01, holdWaitMs: 120 }).execute(job(source), checkpoint)).rejects.toBeInstanceOf(BudgetHeldError);
    expect(gateway.calls).toEqual([]);
    expect(await budget.usage()).toMatchObject({ reservedUsd: 0.01, openReservations: 1 });
  });

  it('treats a source span not yet in Postgres as transient', async () => {
    await expect(service().execute({ sourceSpanId: newSpanId(), model: 'gpt-cheap', rubric: 'helpfulness' }, checkpoint)).rejects.toBeInstanceOf(SpanNotPersistedError);
    expect(await budget.usage()).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it('gives the reservation back when the replay fails, retrying a transient failure and not a refusal', async () => {
    const source = await liveSpan();
    gateway.next = () => {
      throw new ShadowCallError('the gateway answered the replay with 503', true);
    };
    const transient = service().execute(job(source), checkpoint);
    await expect(transient).rejects.toBeInstanceOf(ShadowCallError);
    await expect(transient).rejects.not.toBeInstanceOf(UnrecoverableError);
    gateway.next = () => {
      throw new ShadowCallError('the gateway answered the replay with 400', false);
    };
    await expect(service().execute(job(source), checkpoint)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await budget.usage()).toMatchObject({ spentUsd: 0, reservedUsd: 0, openReservations: 0 });
    expect(checkpoints).toEqual([]);
  });

  it('on a retry after the replay was paid for, judges the stored probe span instead of paying again', async () => {
    const source = await liveSpan();
    const probe = buildSpanRow({ model: 'gpt-cheap', origin: 'shadow', internal: true, runId: source.spanId, redaction: 'full', responseBody: completion('It is Paris.') });
    const replayed = { spanId: probe.spanId, model: 'gpt-cheap', costUsd: 0.0001 };
    const retry = { ...job(source), replayed };
    // The probe's span is not flushed yet: transient.
    await expect(service().execute(retry, checkpoint)).rejects.toBeInstanceOf(SpanNotPersistedError);
    await spans.insertMany([probe]);
    expect(await service().execute(retry, checkpoint)).toBe('scored');
    expect(await service().execute(retry, checkpoint)).toBe('already_scored');
    expect(gateway.calls).toEqual([]);
    expect(llm.prompts).toHaveLength(1);
    expect(llm.prompts[0]).toContain('It is Paris.');
    expect(await scores.forSpan(probe.spanId)).toHaveLength(1);
    expect(await budget.usage()).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it('skips what cannot or need not be explored', async () => {
    const sameModel = await liveSpan();
    expect(await service().execute(job(sameModel, 'gpt-live'), checkpoint)).toBe('skipped');
    const internal = await liveSpan({ internal: true, origin: 'judge' });
    expect(await service().execute(job(internal), checkpoint)).toBe('skipped');
    const redacted = await liveSpan({ redaction: 'metadata-only', requestBody: null, responseBody: null });
    expect(await service().execute(job(redacted), checkpoint)).toBe('skipped');
    expect(gateway.calls).toEqual([]);
  });

  it('refuses, without retries, a model it cannot price and a rubric that needs a reference', async () => {
    const source = await liveSpan();
    await expect(service().execute(job(source, 'gpt-unknown'), checkpoint)).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(service().execute({ ...job(source), rubric: 'correctness' }, checkpoint)).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(service().execute({ ...job(source), rubric: 'nope' }, checkpoint)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(gateway.calls).toEqual([]);
  });
});

import { resolve } from 'node:path';
import { type DatabaseHandle, type NewSpanRow, ScoreRepository, SpanRepository } from '@switchyard/db';
import type { ShadowProducer } from '@switchyard/queue';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JudgeLlm, JudgeReply } from './judge-llm.client.js';
import { probeTargets } from '../shadow/probe-targets.js';
import { ShadowTargetSelector } from '../shadow/shadow-target.selector.js';
import { JudgeSpanService } from './judge-span.service.js';
import { LlmJudge } from './llm-judge.service.js';
import { RubricRepository } from './rubric.repository.js';

class VerdictLlm implements JudgeLlm {
  complete(): Promise<JudgeReply> {
    return Promise.resolve({ content: '{"score": 7, "reason": "fine"}' });
  }
}

/** Keeps what the judge asked for, and when: the score must already be stored by then. */
class RecordingProducer implements ShadowProducer {
  readonly asked: { sourceSpanId: string; rubric: string; models: readonly string[]; scoredBefore: number }[] = [];
  constructor(private readonly scores: () => ScoreRepository) {}
  async enqueue(sourceSpanId: string, rubric: string, models: readonly string[]): Promise<number> {
    this.asked.push({ sourceSpanId, rubric, models, scoredBefore: (await this.scores().forSpan(sourceSpanId)).length });
    return models.length;
  }
}

describe('JudgeSpanService: shadow probes after the judgement (real Postgres)', () => {
  let database: DatabaseHandle;
  let spans: SpanRepository;
  let scores: ScoreRepository;
  let rubrics: RubricRepository;
  let producer: RecordingProducer;
  let service: JudgeSpanService;

  beforeAll(() => {
    database = createTestDatabase({ max: 2 });
    spans = new SpanRepository(database.db);
    scores = new ScoreRepository(database.db);
    rubrics = new RubricRepository(resolve('evals/rubrics'));
  });

  afterAll(async () => {
    await database.close();
  });

  beforeEach(() => {
    producer = new RecordingProducer(() => scores);
    // No scores for these models: nothing is ruled out, so the span id alone picks.
    const targets = new ShadowTargetSelector(scores, { qualityFloor: {}, minSamples: 30, windowMs: 86_400_000 });
    service = new JudgeSpanService(spans, scores, rubrics, new LlmJudge(new VerdictLlm(), 0), producer, targets);
  });

  const liveSpan = async (overrides: Partial<NewSpanRow> = {}): Promise<NewSpanRow> => {
    const row = buildSpanRow({
      redaction: 'full',
      requestBody: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] },
      responseBody: { choices: [{ message: { role: 'assistant', content: 'hello' } }] },
      ...overrides,
    });
    await spans.insertMany([row]);
    return row;
  };

  it('asks for probes of k candidates once the score is stored, and again (same ids) on a retry', async () => {
    const span = await liveSpan();
    const job = { spanId: span.spanId, rubric: 'helpfulness', shadow: { k: 2, models: ['m1', 'm2', 'm3'] } };
    expect(await service.execute(job)).toBe('scored');
    expect(await service.execute(job)).toBe('already_scored');
    const models = probeTargets(span.spanId, ['m1', 'm2', 'm3'], 2);
    expect(models).toHaveLength(2);
    expect(producer.asked).toEqual([
      { sourceSpanId: span.spanId, rubric: 'helpfulness', models, scoredBefore: 1 },
      { sourceSpanId: span.spanId, rubric: 'helpfulness', models, scoredBefore: 1 },
    ]);
  });

  it('spreads the probes over every listed model, k distinct ones per call, the same for the same span', () => {
    const models = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];
    const counts = new Map<string, number>();
    for (let i = 0; i < 800; i++) {
      const id = (0x1234567 * (i + 1)).toString(16).padStart(16, '0');
      const picked = probeTargets(id, models, 4);
      expect(new Set(picked).size).toBe(4);
      expect(probeTargets(id, models, 4)).toEqual(picked);
      for (const m of picked) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    for (const m of models) expect(counts.get(m)).toBeGreaterThan(250);
    expect(probeTargets('ab', ['m1', 'm2'], 4)).toEqual(['m1', 'm2']);
  });

  it('asks for nothing when the call was not picked for shadowing, or was not judged', async () => {
    const plain = await liveSpan();
    expect(await service.execute({ spanId: plain.spanId, rubric: 'helpfulness' })).toBe('scored');
    const internal = await liveSpan({ internal: true, origin: 'judge' });
    expect(await service.execute({ spanId: internal.spanId, rubric: 'helpfulness', shadow: { k: 1, models: ['m1'] } })).toBe('skipped');
    expect(producer.asked).toEqual([]);
  });
});

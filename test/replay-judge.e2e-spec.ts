import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ScoreRepository, type ScoreRow } from '@switchyard/db';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRow, ReplayFleet } from '../apps/gateway/src/providers/replay/replay-fleet.repository.js';
import { renderRecordedConversation, SimulatedJudge } from '../apps/gateway/src/providers/replay/replay-judge.service.js';
import { renderConversation } from '../apps/worker/src/judge/span-sample.js';
import { loadFleet } from './support/fleet-upstreams.js';
import { eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

const FLEET = resolve('datasets/demo.fleet.jsonl');
const MODELS = ['gpt-4-1106-preview', 'mistralai--mistral-7b-chat', 'claude-v2'];
const PRICES = (JSON.parse(readFileSync('datasets/demo.models.json', 'utf8')) as { models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }> }).models;
const JUDGE = 'replay-judge';
const NOISE = { noiseRate: 0.3, seed: 17 };

interface Case {
  row: FleetRow;
  model: string;
  stream: boolean;
  recordedCorrect: boolean;
  /** What the simulated judge should say: the recording, flipped where the keyed noise draw says so. */
  judgedCorrect: boolean;
}

/**
 * The simulated judge through the real pipeline: a live call to a replay model is sampled, the
 * worker renders the helpfulness rubric, calls the gateway with the replay judge model, parses the
 * reply strictly and stores the score under the live call's span id.
 */
describe('replay judge through the real judge pipeline', () => {
  let h: GatewayHarness;
  let worker: WorkerHarness;
  let scores: ScoreRepository;
  let fleet: ReplayFleet;

  beforeAll(async () => {
    fleet = await loadFleet(FLEET);
    h = await startGatewayHarness({
      replay: {
        fleetFile: FLEET,
        models: {
          ...Object.fromEntries(MODELS.map((m) => [m, { inputUsdPerMTok: PRICES[m].input_usd_per_mtok, outputUsdPerMTok: PRICES[m].output_usd_per_mtok }])),
          [JUDGE]: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 },
        },
        options: { judge: { models: [JUDGE], ...NOISE } },
      },
      routing: { defaultRoute: MODELS[0], evaluation: { sampleRate: 1 } },
      evaluation: { judge: { model: JUDGE, parseRetries: 0 }, queues: { judge: { concurrency: 4, backoffMs: 50 } } },
    });
    worker = await startWorkerFor(h);
    scores = new ScoreRepository(worker.database.db);
  });

  afterAll(async () => {
    await worker.close();
    await h.close();
  });

  /** Recorded answers that every model giving the same text was graded alike on, half right and half wrong, some streamed. */
  const cases = (): Case[] => {
    const judge = new SimulatedJudge(fleet, NOISE);
    const picked: Case[] = [];
    for (const row of fleet.rows) {
      for (const model of MODELS) {
        const c = row.candidates[model];
        if (!c || !Object.values(row.candidates).every((o) => o.content.trim() !== c.content.trim() || o.score >= 0.5 === c.score >= 0.5)) continue;
        const recordedCorrect = c.score >= 0.5;
        if (picked.filter((p) => p.recordedCorrect === recordedCorrect).length >= 15) continue;
        const flipped = judge.flipped(renderRecordedConversation(row.messages), c.content.trim());
        picked.push({ row, model, stream: picked.length % 3 === 0, recordedCorrect, judgedCorrect: flipped ? !recordedCorrect : recordedCorrect });
      }
      if (picked.length >= 30) break;
    }
    return picked;
  };

  it('renders a recorded prompt the way the worker renders a span’s messages', () => {
    for (const row of fleet.rows.slice(0, 50)) expect(renderRecordedConversation(row.messages)).toBe(renderConversation(row.messages));
  });

  it('scores each live call with the recorded correctness of its answer, noise applied, stored by span id', async () => {
    const all = cases();
    expect(all.filter((c) => c.judgedCorrect !== c.recordedCorrect).length).toBeGreaterThan(0);
    expect(all.filter((c) => c.judgedCorrect === c.recordedCorrect).length).toBeGreaterThan(all.length / 2);
    const schemas = loadOpenAiSchemas();
    const sent = await Promise.all(
      all.map(async (c) => {
        const messages = c.row.messages.map((m) => ({ role: m.role as 'user', content: m.content }));
        if (c.stream) {
          const { data, response } = await h.client.chat.completions.create({ model: c.model, messages, stream: true }).withResponse();
          let content = '';
          for await (const chunk of data) {
            schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
            content += chunk.choices[0]?.delta.content ?? '';
          }
          expect(content).toBe(c.row.candidates[c.model].content);
          return { ...c, spanId: response.headers.get('x-switchyard-span-id') ?? '' };
        }
        const { data, response } = await h.client.chat.completions.create({ model: c.model, messages }).withResponse();
        schemas.assertValid('CreateChatCompletionResponse', data);
        expect(data.choices[0]?.message.content).toBe(c.row.candidates[c.model].content);
        return { ...c, spanId: response.headers.get('x-switchyard-span-id') ?? '' };
      }),
    );

    const scored = new Map<string, ScoreRow>();
    await eventually(
      async () => {
        for (const s of sent) {
          if (scored.has(s.spanId)) continue;
          const found = (await scores.forSpan(s.spanId)).find((x) => x.source === 'judge');
          if (found) scored.set(s.spanId, found);
        }
        return scored.size === sent.length;
      },
      30_000,
      'every live call judged',
    );
    for (const s of sent) {
      const score = scored.get(s.spanId);
      expect(score, `${s.row.id} by ${s.model}`).toMatchObject({
        spanId: s.spanId,
        source: 'judge',
        scorer: 'judge:helpfulness',
        status: 'ok',
        model: s.model,
        score: s.judgedCorrect ? 1 : 0,
        label: s.judgedCorrect ? '10' : '1',
      });
    }

    // The judge's calls are spans of the judge model: internal, billed, never judged themselves.
    const judgeSpan = await h.waitForSpan(scored.get(sent[0].spanId)?.judgeSpanId ?? '', 5_000);
    expect(judgeSpan).toMatchObject({ model: JUDGE, origin: 'judge', internal: true, status: 'ok' });
    expect(judgeSpan.costUsd).toBeGreaterThan(0);
    expect(await scores.forSpan(judgeSpan.spanId)).toEqual([]);
  }, 60_000);

  it('answers a prompt that is not a judge rubric’s with a 400 in the OpenAI envelope', async () => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: JUDGE, messages: fleet.rows[0].messages }),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(400);
    loadOpenAiSchemas().assertValid('ErrorResponse', body);
    expect(body.error.message).toContain('simulated judge');
  });
});

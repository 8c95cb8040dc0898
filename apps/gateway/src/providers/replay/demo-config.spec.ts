import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@switchyard/config';
import { referenceFreeVerdictSchema, rubricSchema } from '@switchyard/contracts';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ReplayFleetRepository } from './replay-fleet.repository.js';
import { renderRecordedConversation } from './replay-judge.service.js';
import { ReplayAdapter } from './replay.adapter.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

interface ModelPrices {
  models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;
}

// The shipped switchyard.yaml is the README's first-run experience; it must boot against the demo fleet.
describe('demo config (switchyard.yaml)', () => {
  const config = loadConfig({ SWITCHYARD_CONFIG: 'switchyard.yaml' }, REPO_ROOT);
  const judges = new Set(config.providers[0]?.judge?.models);
  /** The models that replay recorded answers, i.e. all but the simulated judge. */
  const fleetModels = config.models.filter((m) => !judges.has(m.id));

  it('parses, needs no API key, and explains unrecorded prompts instead of failing them', () => {
    expect(config.providers.map((p) => [p.name, p.protocol, p.apiKeyEnv, p.unknownPrompt])).toEqual([['replay', 'replay', undefined, 'explain']]);
    expect(config.providers[0]?.fleetPath).toBe(`${REPO_ROOT}datasets/demo.fleet.jsonl`);
  });

  it('serves every model from the demo fleet, on every recorded prompt', async () => {
    const fleet = await new ReplayFleetRepository().load(config.providers[0].fleetPath!);
    for (const model of fleetModels) {
      const missing = fleet.rows.filter((row) => !Object.hasOwn(row.candidates, model.upstreamModel)).map((row) => row.id);
      expect(missing, `rows without ${model.upstreamModel}`).toEqual([]);
    }
    expect(new Set(fleet.rows.map((r) => r.workload))).toEqual(new Set(config.workloads.map((w) => w.name)));
  });

  it('prices models as demo.models.json does', () => {
    const prices = JSON.parse(readFileSync(`${REPO_ROOT}datasets/demo.models.json`, 'utf8')) as ModelPrices;
    expect(fleetModels.map((m) => m.id).sort()).toEqual(Object.keys(prices.models).sort());
    for (const model of fleetModels) {
      const price = prices.models[model.upstreamModel];
      expect(model.pricing, model.id).toEqual({ inputUsdPerMTok: price?.input_usd_per_mtok, outputUsdPerMTok: price?.output_usd_per_mtok });
    }
  });

  it('judges a sample of live calls with the replay provider’s simulated judge, which reads the shipped rubric', async () => {
    expect(config.providers[0]?.judge).toEqual({ models: ['replay-judge'], noiseRate: 0.1 });
    expect(config.evaluation.judge.model).toBe('replay-judge');
    const judge = config.models.find((m) => m.id === 'replay-judge');
    expect(judge?.provider).toBe('replay');
    expect(config.routing.evaluation.sampleRate).toBeGreaterThan(0);
    expect(config.routing.evaluation.sampleRate).toBeLessThanOrEqual(0.2);

    const rubric = rubricSchema.parse(parseYaml(readFileSync(`${config.evaluation.judge.rubricsDir}/${config.routing.evaluation.rubric}.yaml`, 'utf8')));
    const fleet = await new ReplayFleetRepository().load(config.providers[0].fleetPath!);
    const row = fleet.rows[0];
    const answer = Object.values(row.candidates)[0];
    const prompt = rubric.template.replace('{{input}}', renderRecordedConversation(row.messages)).replace('{{output}}', answer.content);
    const result = await new ReplayAdapter().chat(
      { model: judge!, provider: config.providers[0] },
      { body: { messages: [{ role: 'system', content: rubric.system }, { role: 'user', content: prompt }] }, stream: false, clientWantsUsage: false, signal: new AbortController().signal },
    );
    if (result.kind !== 'json') throw new Error('expected a JSON answer');
    const reply = (JSON.parse(result.body.toString('utf8')) as ChatCompletion).choices[0]?.message.content ?? '';
    expect([1, 10]).toContain(referenceFreeVerdictSchema.parse(JSON.parse(reply)).score);
  });
});

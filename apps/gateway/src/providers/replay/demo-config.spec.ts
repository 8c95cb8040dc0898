import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@switchyard/config';
import { describe, expect, it } from 'vitest';
import { ReplayFleetRepository } from './replay-fleet.repository.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

interface ModelPrices {
  models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }>;
}

// The shipped switchyard.yaml is the README's first-run experience; it must boot against the demo fleet.
describe('demo config (switchyard.yaml)', () => {
  const config = loadConfig({ SWITCHYARD_CONFIG: 'switchyard.yaml' }, REPO_ROOT);

  it('parses, needs no API key, and explains unrecorded prompts instead of failing them', () => {
    expect(config.providers.map((p) => [p.name, p.protocol, p.apiKeyEnv, p.unknownPrompt])).toEqual([['replay', 'replay', undefined, 'explain']]);
    expect(config.providers[0]?.fleetPath).toBe(`${REPO_ROOT}datasets/demo.fleet.jsonl`);
  });

  it('serves every model from the demo fleet, on every recorded prompt', async () => {
    const fleet = await new ReplayFleetRepository().load(config.providers[0].fleetPath!);
    for (const model of config.models) {
      const missing = fleet.rows.filter((row) => !Object.hasOwn(row.candidates, model.upstreamModel)).map((row) => row.id);
      expect(missing, `rows without ${model.upstreamModel}`).toEqual([]);
    }
    expect(new Set(fleet.rows.map((r) => r.workload))).toEqual(new Set(config.workloads.map((w) => w.name)));
  });

  it('prices models as demo.models.json does', () => {
    const prices = JSON.parse(readFileSync(`${REPO_ROOT}datasets/demo.models.json`, 'utf8')) as ModelPrices;
    expect(config.models.map((m) => m.id).sort()).toEqual(Object.keys(prices.models).sort());
    for (const model of config.models) {
      const price = prices.models[model.upstreamModel];
      expect(model.pricing, model.id).toEqual({ inputUsdPerMTok: price?.input_usd_per_mtok, outputUsdPerMTok: price?.output_usd_per_mtok });
    }
  });
});

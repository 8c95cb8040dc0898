import { readFileSync } from 'node:fs';

/** One recorded answer of one model to one prompt. */
export interface FleetCandidate {
  content: string;
  score: number;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** One line of a fleet file (format: ../shared/datasets/README.md). */
export interface FleetRow {
  id: string;
  workload: string;
  messages: { role: string; content: string }[];
  candidates: Record<string, FleetCandidate>;
}

export interface ModelPrice {
  input_usd_per_mtok: number;
  output_usd_per_mtok: number;
}
export type Prices = Record<string, ModelPrice>;

export function loadFleetRows(path: string): FleetRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as FleetRow;
      if (typeof row.id !== 'string' || typeof row.workload !== 'string' || !Array.isArray(row.messages) || typeof row.candidates !== 'object') {
        throw new Error(`${path}:${i + 1}: not a fleet row (id, workload, messages, candidates)`);
      }
      return row;
    });
}

export function loadPrices(path: string): Prices {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { models?: Prices };
  if (!doc.models) throw new Error(`${path}: no "models" price table`);
  return doc.models;
}

/** What a recorded answer cost, at the file's prices. */
export const candidateCost = (prices: Prices, model: string, c: FleetCandidate): number =>
  (c.usage.prompt_tokens * prices[model].input_usd_per_mtok + c.usage.completion_tokens * prices[model].output_usd_per_mtok) / 1e6;

/** Identical prompts (MBPP repeats a few under different ids) must land on one side of the split. */
export const promptKey = (row: FleetRow): string => JSON.stringify(row.messages.map((m) => [m.role, m.content.trim()]));

/** Models recorded on every row and priced: the fleet the bench can replay. */
export function fleetModels(rows: readonly FleetRow[], prices: Prices, wanted?: readonly string[]): string[] {
  const all = wanted ?? Object.keys(prices);
  const missing = all.filter((m) => !prices[m]);
  if (missing.length) throw new Error(`no price for ${missing.join(', ')}`);
  const unrecorded = all.filter((m) => rows.some((r) => !r.candidates[m]));
  if (wanted && unrecorded.length) throw new Error(`not recorded on every row: ${unrecorded.join(', ')}`);
  return all.filter((m) => !unrecorded.includes(m));
}

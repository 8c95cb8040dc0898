import { seededRng } from '@switchyard/routing';
import { type FleetRow, promptKey } from './fleet.js';

export interface FleetSplit {
  train: FleetRow[];
  test: FleetRow[];
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * A seeded split by prompt: rows sharing a prompt go to one side, so the test part never holds a
 * prompt the system saw (and scored) in training. Each side comes out shuffled by the same seed, which
 * interleaves the workloads the way mixed client traffic would. The input order does not matter.
 */
export function splitByPrompt(rows: readonly FleetRow[], seed: number, trainFraction: number): FleetSplit {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new Error(`train fraction must be in (0, 1), got ${trainFraction}`);
  const groups = new Map<string, FleetRow[]>();
  for (const row of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const key = promptKey(row);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const rng = seededRng(seed);
  const keys = shuffle([...groups.keys()].sort(), rng);
  const cut = Math.round(keys.length * trainFraction);
  const side = (ks: string[]): FleetRow[] => shuffle(ks.flatMap((k) => groups.get(k) ?? []), rng);
  return { train: side(keys.slice(0, cut)), test: side(keys.slice(cut)) };
}

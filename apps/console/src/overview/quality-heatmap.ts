import type { QualityCell } from '@switchyard/contracts';

export type ScoreSource = QualityCell['source'];

export interface Heatmap {
  workloads: string[];
  models: string[];
  /** `cells[workload][model]`, undefined where there are no scores. */
  cells: Record<string, Record<string, QualityCell | undefined>>;
}

/** The sources present, judged first: the live judge is what most cells have, and what the optimizer reads. */
export function sourcesOf(cells: QualityCell[]): ScoreSource[] {
  const order: ScoreSource[] = ['judge', 'golden', 'shadow', 'feedback', 'human'];
  const present = new Set(cells.map((c) => c.source));
  return order.filter((s) => present.has(s));
}

/** One source's cells as a workload × model grid, both axes sorted by name. */
export function heatmapOf(cells: QualityCell[], source: ScoreSource): Heatmap {
  const mine = cells.filter((c) => c.source === source);
  const workloads = [...new Set(mine.map((c) => c.workload))].sort();
  const models = [...new Set(mine.map((c) => c.model))].sort();
  const grid: Heatmap['cells'] = {};
  for (const w of workloads) grid[w] = {};
  for (const c of mine) grid[c.workload][c.model] = c;
  return { workloads, models, cells: grid };
}

/**
 * The cell's background by its mean: red (0) through amber to green (1), light enough for dark
 * text at every level. The number is in the cell's text; the shade only helps the eye.
 */
export function shadeOf(mean: number): string {
  const clamped = Math.min(1, Math.max(0, mean));
  return `hsl(${Math.round(clamped * 120)}, 70%, 85%)`;
}

#!/usr/bin/env node
// Samples the multiple-choice agreement fixture for libs/scoring from the shared RouterBench fleet
// file: per row only the id, workload, expected letter and each model's recorded answer and grade
// (no prompts, no usage), so the file stays small.
//
//   node scripts/sample-scoring-fixture.mjs [--source FILE] [--out FILE] [--seed switchyard-scoring]
//                                           [--counts arc-challenge=150,winogrande=150]
//
// Plain JavaScript because Node 20 cannot run TypeScript without a build step.
/* global console, process */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    source: { type: 'string', default: resolve(repoRoot, '../shared/datasets/routerbench-train.fleet.jsonl') },
    out: { type: 'string', default: resolve(repoRoot, 'datasets/scoring/mc-agreement.jsonl') },
    seed: { type: 'string', default: 'switchyard-scoring' },
    counts: { type: 'string', default: 'arc-challenge=150,winogrande=150' },
  },
});

const counts = new Map(
  args.counts.split(',').map((pair) => {
    const [workload, n] = pair.split('=');
    const count = Number(n);
    if (!workload || !Number.isInteger(count) || count < 0) throw new Error(`--counts: bad entry "${pair}"`);
    return [workload, count];
  }),
);

const lines = readFileSync(args.source, 'utf8').split('\n').filter((line) => line.trim() !== '');
const byWorkload = new Map();
lines.forEach((line, index) => {
  const row = JSON.parse(line);
  if (!counts.has(row.workload)) return;
  // Ranking by a seeded hash of the row id (not a PRNG over file order) keeps the sample
  // stable even if the source file is reordered or grows.
  const rank = createHash('sha256').update(`${args.seed}\0${row.id}`).digest('hex');
  const rows = byWorkload.get(row.workload) ?? [];
  rows.push({ index, rank, row });
  byWorkload.set(row.workload, rows);
});

const picked = [];
for (const [workload, count] of counts) {
  const rows = byWorkload.get(workload) ?? [];
  if (rows.length < count) throw new Error(`${workload}: asked for ${count} rows, source has ${rows.length}`);
  picked.push(...rows.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0)).slice(0, count));
}
picked.sort((a, b) => a.index - b.index);

const slim = ({ row }) => ({
  id: row.id,
  workload: row.workload,
  expected: row.expected,
  candidates: Object.fromEntries(
    Object.entries(row.candidates)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([model, c]) => [model, { content: c.content, score: c.score }]),
  ),
});

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, picked.map((p) => `${JSON.stringify(slim(p))}\n`).join(''));

const summary = [...counts].map(([w, n]) => `${w}=${n}`).join(', ');
const kb = (statSync(args.out).size / 1024).toFixed(0);
console.log(`wrote ${relative(process.cwd(), args.out)} (${picked.length} rows: ${summary}; ${kb} KB, seed "${args.seed}")`);

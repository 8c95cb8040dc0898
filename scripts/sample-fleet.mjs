#!/usr/bin/env node
// Samples a small demo fleet from the shared RouterBench fleet file.
//
//   node scripts/sample-fleet.mjs [--source FILE] [--models FILE] [--out DIR] [--name demo]
//                                 [--seed switchyard-demo] [--counts arc-challenge=120,mbpp=60,winogrande=120]
//                                 [--keep-models a,b,c]
//
// --keep-models keeps only those models' recordings (and prices): a larger sample of prompts stays
// small on disk when a use needs just a few models.
//
// Plain JavaScript because Node 20 cannot run TypeScript without a build step.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    source: { type: 'string', default: resolve(repoRoot, '../shared/datasets/routerbench-train.fleet.jsonl') },
    models: { type: 'string', default: resolve(repoRoot, '../shared/datasets/routerbench.models.json') },
    out: { type: 'string', default: resolve(repoRoot, 'datasets') },
    name: { type: 'string', default: 'demo' },
    seed: { type: 'string', default: 'switchyard-demo' },
    counts: { type: 'string', default: 'arc-challenge=120,mbpp=60,winogrande=120' },
    'keep-models': { type: 'string' },
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
  rows.push({ index, rank, line });
  byWorkload.set(row.workload, rows);
});

const picked = [];
for (const [workload, count] of counts) {
  const rows = byWorkload.get(workload) ?? [];
  if (rows.length < count) throw new Error(`${workload}: asked for ${count} rows, source has ${rows.length}`);
  picked.push(...rows.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0)).slice(0, count));
}
// Source order, and the source's own line text, so the output diffs cleanly against it.
picked.sort((a, b) => a.index - b.index);

mkdirSync(args.out, { recursive: true });
const fleetOut = join(args.out, `${args.name}.fleet.jsonl`);
const modelsOut = join(args.out, `${args.name}.models.json`);
const keep = args['keep-models'] ? new Set(args['keep-models'].split(',')) : undefined;
const only = (record) => Object.fromEntries(Object.entries(record).filter(([model]) => keep.has(model)));
// Without --keep-models, the source's own line text, so the output diffs cleanly against it.
const lineOf = (line) => {
  if (!keep) return line;
  const row = JSON.parse(line);
  return JSON.stringify({ ...row, candidates: only(row.candidates) });
};
writeFileSync(fleetOut, picked.map((p) => `${lineOf(p.line)}\n`).join(''));
if (keep) {
  const models = JSON.parse(readFileSync(args.models, 'utf8'));
  writeFileSync(modelsOut, `${JSON.stringify({ ...models, models: only(models.models) }, null, 1)}\n`);
} else {
  // Read + write rather than copyFile, which would also copy a read-only source's mode.
  writeFileSync(modelsOut, readFileSync(args.models));
}

const summary = [...counts].map(([w, n]) => `${w}=${n}`).join(', ');
const kb = (statSync(fleetOut).size / 1024).toFixed(0);
console.log(`wrote ${relative(process.cwd(), fleetOut)} (${picked.length} rows: ${summary}; ${kb} KB, seed "${args.seed}")`);
console.log(`wrote ${relative(process.cwd(), modelsOut)}`);

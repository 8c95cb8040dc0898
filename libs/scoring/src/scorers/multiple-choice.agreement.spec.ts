import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MultipleChoiceScorer } from './multiple-choice.scorer.js';

/**
 * Agreement with RouterBench's own grades on a sample of its recorded answers
 * (datasets/scoring/mc-agreement.jsonl; `node scripts/sample-scoring-fixture.mjs` rebuilds it).
 * The bar is 98% per workload: the remaining gap is RouterBench grading prose that begins with
 * the article "A" as choice A, which this scorer deliberately does not do.
 */
interface FixtureRow {
  id: string;
  workload: string;
  expected: string | null;
  candidates: Record<string, { content: string; score: number }>;
}

const rows = readFileSync(new URL('../../../../datasets/scoring/mc-agreement.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as FixtureRow);

// The option letters each workload's prompt offers ("Print only a single choice from ...").
const choicesByWorkload: Record<string, string> = { 'arc-challenge': 'ABCD', winogrande: 'AB' };

interface Disagreement {
  id: string;
  model: string;
  content: string;
  expected: string;
  recorded: number;
  label: string | undefined;
}

function measure(workload: string): { pairs: number; agree: number; disagreements: Disagreement[] } {
  const scorer = new MultipleChoiceScorer({ choices: choicesByWorkload[workload] });
  let pairs = 0;
  let agree = 0;
  const disagreements: Disagreement[] = [];
  for (const row of rows) {
    if (row.workload !== workload || row.expected === null) continue;
    for (const [model, c] of Object.entries(row.candidates)) {
      const result = scorer.score({ output: c.content, expected: row.expected });
      pairs++;
      if (result.score === c.score) agree++;
      else disagreements.push({ id: row.id, model, content: c.content, expected: row.expected, recorded: c.score, label: result.label });
    }
  }
  return { pairs, agree, disagreements };
}

describe('multiple_choice agrees with RouterBench grades', () => {
  for (const workload of Object.keys(choicesByWorkload)) {
    const { pairs, agree, disagreements } = measure(workload);
    const rate = agree / pairs;
    it(`${workload}: ${agree}/${pairs} (row, model) pairs agree = ${(100 * rate).toFixed(2)}%`, () => {
      console.log(`${workload}: agreement ${(100 * rate).toFixed(2)}% (${agree}/${pairs}); disagreements: ${JSON.stringify(disagreements)}`);
      expect(pairs).toBeGreaterThan(1000);
      expect(rate).toBeGreaterThanOrEqual(0.98);
    });
  }

  it("reads claude-v2's cut-off prose ('I do', 'Unfortunately I', ...) as no choice", () => {
    const scorer = new MultipleChoiceScorer();
    const prose = rows.flatMap((r) => Object.values(r.candidates).map((c) => c.content)).filter((c) => /^(I do|Unfortunately|There is|Okay)/u.test(c));
    expect(prose.length).toBeGreaterThan(50);
    for (const content of prose) expect(scorer.score({ output: content, expected: 'A' }).label).toBe('none');
  });
});

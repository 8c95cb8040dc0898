import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Rubric, rubricSchema } from '@switchyard/contracts';
import { parse as parseYaml } from 'yaml';

export class RubricError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RubricError';
  }
}

/** The rubric files under evals/rubrics, read and validated once at boot: a bad rubric stops the worker, not a job. */
export class RubricRepository {
  private readonly rubrics = new Map<string, Rubric>();

  constructor(dir: string) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    } catch (err) {
      throw new RubricError(`cannot read the rubrics folder ${dir}: ${(err as Error).message}`);
    }
    for (const file of files) {
      const parsed = rubricSchema.safeParse(parseYaml(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) {
        throw new RubricError(`${join(dir, file)} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      }
      if (this.rubrics.has(parsed.data.name)) throw new RubricError(`two rubric files are named "${parsed.data.name}"`);
      this.rubrics.set(parsed.data.name, parsed.data);
    }
  }

  get(name: string): Rubric | undefined {
    return this.rubrics.get(name);
  }

  names(): string[] {
    return [...this.rubrics.keys()];
  }
}

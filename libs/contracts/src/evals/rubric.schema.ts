import { z } from 'zod';

/**
 * A judge rubric, kept as a file under evals/rubrics. `version` is part of every score it produces:
 * changing a prompt means a new version, so old and new scores never mix unnoticed.
 */
export const rubricSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/),
    /**
     * reference-free: grades one answer 1-10. reference: is the answer equivalent to `expected`.
     * pairwise: which of two answers is better, asked twice with the positions swapped.
     */
    kind: z.enum(['reference-free', 'reference', 'pairwise']),
    description: z.string().optional(),
    system: z.string().min(1),
    /** Placeholders: {{input}}, {{output}}, {{expected}} (reference), {{output_a}}, {{output_b}} (pairwise). */
    template: z.string().min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    const need: Record<typeof r.kind, string[]> = {
      'reference-free': ['{{input}}', '{{output}}'],
      reference: ['{{input}}', '{{output}}', '{{expected}}'],
      pairwise: ['{{input}}', '{{output_a}}', '{{output_b}}'],
    };
    for (const placeholder of need[r.kind]) {
      if (!r.template.includes(placeholder)) ctx.addIssue({ code: 'custom', path: ['template'], message: `a ${r.kind} rubric's template must contain ${placeholder}` });
    }
  });
export type Rubric = z.infer<typeof rubricSchema>;

/** What each kind of judge must answer, as JSON. Parsed strictly: anything else is a failed score. */
export const referenceFreeVerdictSchema = z.object({ score: z.number().int().min(1).max(10), reason: z.string().min(1) }).strict();
export const referenceVerdictSchema = z.object({ equivalent: z.boolean(), reason: z.string().min(1) }).strict();
export const pairwiseVerdictSchema = z.object({ winner: z.enum(['A', 'B', 'tie']), reason: z.string().min(1) }).strict();

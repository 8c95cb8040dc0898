import { z } from 'zod';

/**
 * A live span to be judged. Fields added later stay optional, so jobs queued by an older
 * gateway still parse in a newer worker.
 */
export const judgeJobSchema = z.object({
  spanId: z.string().regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit span id'),
  /** Rubric name under evals/rubrics. */
  rubric: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  /** Also replay this call to other candidates (shadow probes) once judged. */
  shadow: z.object({ k: z.number().int().min(1).max(4), models: z.array(z.string().min(1)).optional() }).optional(),
});
export type JudgeJob = z.infer<typeof judgeJobSchema>;

import { z } from 'zod';

const spanId = z.string().regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit span id');

/**
 * Replay one judged live call to another candidate model and judge that answer (a shadow probe).
 * Fields added later stay optional, so jobs queued by an older worker still parse in a newer one.
 */
export const shadowJobSchema = z.object({
  /** The live span whose request is replayed. */
  sourceSpanId: spanId,
  /** Configured model id the request is replayed to. */
  model: z.string().min(1),
  /** Reference-free rubric the live answer was judged with, so both answers are graded alike. */
  rubric: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  /**
   * Written back onto the job once the replay has been paid for: a retry (say, after the judge
   * failed) judges that answer instead of paying for another one.
   */
  replayed: z.object({ spanId, model: z.string().min(1), costUsd: z.number().nonnegative() }).optional(),
});
export type ShadowJob = z.infer<typeof shadowJobSchema>;

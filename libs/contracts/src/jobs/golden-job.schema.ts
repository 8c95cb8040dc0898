import { z } from 'zod';

/** Row ids as libs/db mints them: `<prefix>_` then base-36 time and hex. */
const rowId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{10,40}$`), `a ${prefix}_ id`);

/**
 * One call of a golden run: one dataset item sent to one model, then scored. The worker reads the
 * item and the run (its scorer, whether it was cancelled) from Postgres, so the payload stays small.
 * Fields added later stay optional, so jobs queued by an older gateway still parse in a newer worker.
 */
export const goldenJobSchema = z.object({
  runId: rowId('gr'),
  itemId: rowId('di'),
  /** Configured model id. */
  model: z.string().min(1).max(256),
});
export type GoldenJob = z.infer<typeof goldenJobSchema>;

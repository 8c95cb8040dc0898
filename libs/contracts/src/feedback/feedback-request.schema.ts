import { z } from 'zod';

/** `POST /v1/feedback`: an end user's verdict on one answer, keyed by the span id the answer came with. */
export const feedbackRequestSchema = z
  .object({
    span_id: z.string().regex(/^[0-9a-f]{16}$/, 'the x-switchyard-span-id of the answer: 16 hex digits'),
    /** 0 (bad) to 1 (good); a thumbs up is 1, a thumbs down 0. */
    score: z.number().min(0).max(1),
    comment: z.string().max(4_000).optional(),
  })
  .strict();
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

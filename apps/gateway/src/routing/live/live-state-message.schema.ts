import { z } from 'zod';

/**
 * What one gateway instance tells the others over Redis pub/sub. Extra fields are ignored, so an
 * older instance still reads what a newer one sends; new fields must stay optional.
 */
export const liveStateMessageSchema = z.object({
  /** Sender; an instance ignores its own messages. */
  instance: z.string().min(1),
  model: z.string().min(1),
  kind: z.enum(['breaker_open', 'cooldown']),
  /** Epoch ms the breaker may half-open / the cool-down ends. */
  until: z.number(),
});

export type LiveStateMessage = z.infer<typeof liveStateMessageSchema>;

import { z } from 'zod';

/** Intl is the only IANA zone list every runtime ships; it throws on a name it does not know. */
const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const timeZone = z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin');

const budgetFields = {
  /** The hard cap: requests are refused once the window's spend reaches it. */
  usd: z.number().positive().max(1_000_000_000),
  /** The soft alert fires once per window when spend reaches this share of `usd`. */
  alertFraction: z.number().gt(0).max(1).default(0.8),
};

/**
 * A spend limit. Calendar windows reset at midnight (or the 1st) of their time zone; a rolling
 * window covers the last `days` × 24 hours.
 */
export const budgetSchema = z.discriminatedUnion('window', [
  z.object({ window: z.literal('day'), timeZone: timeZone.default('UTC'), ...budgetFields }).strict(),
  z.object({ window: z.literal('month'), timeZone: timeZone.default('UTC'), ...budgetFields }).strict(),
  z.object({ window: z.literal('rolling'), days: z.number().int().min(1).max(366), ...budgetFields }).strict(),
]);
export type Budget = z.infer<typeof budgetSchema>;

/** Per-key request and token ceilings over a sliding minute; an absent field means no limit. */
export const rateLimitsSchema = z
  .object({
    requestsPerMinute: z.number().int().positive().max(10_000_000).optional(),
    tokensPerMinute: z.number().int().positive().max(10_000_000_000).optional(),
  })
  .strict();
export type RateLimits = z.infer<typeof rateLimitsSchema>;

import { z } from 'zod';

/**
 * Request features a condition may read. `metadata.<key>` and `header.<name>` read one entry of the
 * request's `metadata` object or one request header (lower-case name).
 */
export const NUMERIC_FEATURES = ['input_tokens', 'message_count', 'max_tokens', 'non_latin_share'] as const;
export const BOOLEAN_FEATURES = ['has_tools', 'has_images', 'json_mode', 'stream', 'has_code'] as const;
export const STRING_FEATURES = ['system_prompt', 'tenant', 'user', 'operation', 'requested_model'] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];
export type BooleanFeature = (typeof BOOLEAN_FEATURES)[number];
export type StringFeature = (typeof STRING_FEATURES)[number];

const KEYED_FEATURE = /^(metadata\.[A-Za-z0-9_.-]{1,64}|header\.[a-z0-9-]{1,64})$/;
const FIXED_FEATURES: ReadonlySet<string> = new Set<string>([...NUMERIC_FEATURES, ...BOOLEAN_FEATURES, ...STRING_FEATURES]);

export const featureRefSchema = z
  .string()
  .refine((f) => FIXED_FEATURES.has(f) || KEYED_FEATURE.test(f), {
    message: `unknown feature; use one of ${[...FIXED_FEATURES].join(', ')}, metadata.<key> or header.<name>`,
  });

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One comparison. Numeric operators need a numeric value; `matches` takes a regular expression. */
export const comparisonSchema = z
  .object({
    feature: featureRefSchema,
    op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'matches', 'exists']),
    value: z.union([scalar, z.array(scalar)]).optional(),
    /** Regex flags for `matches`, e.g. "i". */
    flags: z.string().regex(/^[imsu]*$/).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const need = (ok: boolean, message: string): void => {
      if (!ok) ctx.addIssue({ code: 'custom', path: ['value'], message });
    };
    switch (c.op) {
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        need(typeof c.value === 'number', `op "${c.op}" needs a number`);
        break;
      case 'in':
      case 'not_in':
        need(Array.isArray(c.value), `op "${c.op}" needs a list`);
        break;
      case 'eq':
      case 'ne':
        need(c.value !== undefined && !Array.isArray(c.value), `op "${c.op}" needs a string, number or boolean`);
        break;
      case 'matches':
        if (typeof c.value !== 'string') need(false, 'op "matches" needs a regular expression string');
        else {
          try {
            new RegExp(c.value, c.flags);
          } catch (err) {
            need(false, `invalid regular expression: ${(err as Error).message}`);
          }
        }
        break;
      case 'exists':
        need(c.value === undefined, 'op "exists" takes no value');
        break;
    }
  });
export type Comparison = z.infer<typeof comparisonSchema>;

/** A serialisable boolean expression over request features. */
export type Condition = Comparison | { and: Condition[] } | { or: Condition[] } | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(conditionSchema).min(1) }).strict(),
    z.object({ or: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    comparisonSchema,
  ]),
);

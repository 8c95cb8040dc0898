import { z } from 'zod';
import { chatMessageSchema } from '../openai/chat-completion-request.schema.js';
import { WORKLOAD_NAME } from '../policy/policy.schema.js';

/** Dataset names: what the admin API and the CLI address a dataset by. */
export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const datasetNameSchema = z.string().regex(DATASET_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore');

/** OTel span id: 16 lower-case hex characters. */
export const SPAN_ID = /^[0-9a-f]{16}$/;

/** The scorer a dataset (or a golden run) is judged with: a registered scorer's name and its options. */
export const datasetScorerSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use 1-64 lower-case letters, digits, dot, dash or underscore'),
    options: z.record(z.string(), z.json()).default({}),
  })
  .strict();
export type DatasetScorer = z.infer<typeof datasetScorerSchema>;

/** A prompt: OpenAI chat messages, or a plain string (sent as one user message). */
export const datasetItemInputSchema = z.union([z.string().regex(/\S/, 'must not be empty or blank'), z.array(chatMessageSchema).min(1)]);
export type DatasetItemInput = z.infer<typeof datasetItemInputSchema>;

/** One line of an uploaded dataset file. Unknown fields are rejected: a typo must not silently drop data. */
export const datasetItemSchema = z
  .object({
    input: datasetItemInputSchema,
    /** The reference answer: a string, or any JSON the scorer understands. Null is the same as absent. */
    expected: z.json().optional(),
    workload: z.string().regex(WORKLOAD_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore').optional(),
    metadata: z.record(z.string(), z.json()).default({}),
    /** The live span this item was taken from. */
    span_id: z.string().regex(SPAN_ID, 'must be 16 lower-case hex characters').optional(),
  })
  .strict();
export type DatasetItem = z.infer<typeof datasetItemSchema>;

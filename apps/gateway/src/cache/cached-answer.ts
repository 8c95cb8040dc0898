import { z } from 'zod';

const ENTRY_VERSION = 1;
const versionSchema = z.object({ v: z.literal(ENTRY_VERSION) });
const metaSchema = z.object({
  /** The configured model that answered; every hit's span names it. */
  model: z.string().min(1),
  storedAt: z.number(),
  /** The span whose answer this is, for audits of hits. */
  sourceSpanId: z.string().optional(),
  finishReasons: z.array(z.string()),
  responseModel: z.string().optional(),
  responseId: z.string().optional(),
});
export type CachedAnswerMeta = z.infer<typeof metaSchema>;

/**
 * One stored answer: a small JSON header line, then the chat.completion body bytes exactly as a
 * JSON client received them (or as rebuilt from a stream), so a JSON hit is byte-identical.
 */
export interface CachedAnswer {
  meta: CachedAnswerMeta;
  body: Buffer;
}

const NEWLINE = 0x0a;

export function encodeCachedAnswer(answer: CachedAnswer): Buffer {
  // JSON.stringify escapes newlines inside strings, so the first newline ends the header.
  return Buffer.concat([Buffer.from(`${JSON.stringify({ v: ENTRY_VERSION, ...answer.meta })}\n`), answer.body]);
}

/** Undefined for anything this version did not write: such an entry is a miss, not an error. */
export function decodeCachedAnswer(bytes: Buffer): CachedAnswer | undefined {
  const end = bytes.indexOf(NEWLINE);
  if (end < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!versionSchema.safeParse(header).success) return undefined;
  // z.object drops the version field it does not list.
  const meta = metaSchema.safeParse(header);
  return meta.success ? { meta: meta.data, body: bytes.subarray(end + 1) } : undefined;
}

const toolCallSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

/** The parts of a chat.completion the cache reads; everything else is kept as it came. */
export const cachedCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int().optional(),
  model: z.string(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().int(),
        message: z.looseObject({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(toolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.looseObject({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).nullish(),
});
export type CachedCompletion = z.infer<typeof cachedCompletionSchema>;

export function parseCachedCompletion(body: Buffer): CachedCompletion | undefined {
  try {
    const parsed = cachedCompletionSchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

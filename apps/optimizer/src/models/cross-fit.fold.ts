/** Which half of the scored data a row belongs to, for fitting a choice on one half and estimating it on the other. */
export type Fold = 0 | 1;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Enough of the last message to tell prompts apart: prompts often share a long few-shot prefix, so the tail. */
const TAIL_CHARS = 512;

function fnv1a(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function lastMessageText(body: unknown): string | undefined {
  if (!isObject(body) || !Array.isArray(body['messages'])) return undefined;
  const messages: unknown[] = body['messages'];
  const last = messages.at(-1);
  if (!isObject(last)) return undefined;
  const content = last['content'];
  const text = typeof content === 'string' ? content : JSON.stringify(content ?? '');
  return `${messages.length}\u0000${text.slice(-TAIL_CHARS)}`;
}

/**
 * The fold of a scored span: by its prompt when the body was stored, so a prompt asked many times
 * (and a shadow probe of it, which replays the same prompt) never lands in both halves; else by
 * span id. Deterministic, so refits split the same way.
 */
export function foldOf(row: { requestBody: unknown; spanId: string }): Fold {
  return (fnv1a(lastMessageText(row.requestBody) ?? row.spanId) & 1) as Fold;
}

import type { RequestFeatures } from './request-features.js';
import type { IncomingHttpHeaders } from 'node:http';

const CHARS_PER_TOKEN = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text length and image presence of one message's content, without copying strings. */
function scanContent(content: unknown, acc: { chars: number; images: boolean }): void {
  if (typeof content === 'string') acc.chars += content.length;
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (!isObject(part)) continue;
      if (typeof part.text === 'string') acc.chars += part.text.length;
      if (part.type === 'image_url' || part.type === 'input_image') acc.images = true;
    }
  }
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('') : '';

const headerRecord = (headers: IncomingHttpHeaders): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
};

/**
 * Routing features of a chat completion request: one pass over the messages, no tokenizer. The
 * gateway routes by them and the optimizer fits and replays over them, so both use this one function.
 */
export function chatFeatures(body: Json & { model: string }, headers: IncomingHttpHeaders, workloadHeader: string | undefined): RequestFeatures {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const acc = { chars: 0, images: false };
  let systemPrompt = '';
  for (const m of messages) {
    if (!isObject(m)) continue;
    scanContent(m.content, acc);
    if (m.role === 'system' || m.role === 'developer') systemPrompt += (systemPrompt ? '\n' : '') + textOf(m.content);
  }
  if (Array.isArray(body.tools)) acc.chars += JSON.stringify(body.tools).length;
  const format = isObject(body.response_format) ? body.response_format.type : undefined;
  const maxTokens = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const metadata = isObject(body.metadata) ? (body.metadata as Record<string, string>) : undefined;
  return {
    operation: 'chat',
    requestedModel: body.model,
    inputTokens: Math.ceil(acc.chars / CHARS_PER_TOKEN),
    messageCount: messages.length,
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    hasImages: acc.images,
    jsonMode: format === 'json_object' || format === 'json_schema',
    stream: body.stream === true,
    maxTokens,
    systemPrompt,
    metadata,
    headers: headerRecord(headers),
    user: typeof body.user === 'string' ? body.user : undefined,
    workloadHeader,
  };
}

/** Routing features of an embeddings request. */
export function embeddingsFeatures(body: Json & { model: string }, headers: IncomingHttpHeaders, workloadHeader: string | undefined): RequestFeatures {
  const input = body.input;
  const chars = typeof input === 'string' ? input.length : Array.isArray(input) ? input.reduce<number>((n, x) => n + (typeof x === 'string' ? x.length : Array.isArray(x) ? x.length * CHARS_PER_TOKEN : 0), 0) : 0;
  return {
    operation: 'embeddings',
    requestedModel: body.model,
    inputTokens: Math.ceil(chars / CHARS_PER_TOKEN),
    messageCount: 0,
    hasTools: false,
    hasImages: false,
    jsonMode: false,
    stream: false,
    systemPrompt: '',
    headers: headerRecord(headers),
    user: typeof body.user === 'string' ? body.user : undefined,
    workloadHeader,
  };
}

import { edgeText, hasCodeShape, nonLatinShareOf } from './prompt-signals.js';
import type { RequestFeatures } from './request-features.js';
import type { IncomingHttpHeaders } from 'node:http';

const CHARS_PER_TOKEN = 4;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface ContentScan {
  chars: number;
  images: boolean;
  /** The prompt's own text (user, system and developer messages), by reference, for the code and script signals. */
  pieces: string[];
  /** Their length joined by newlines, as `edgeText` counts it. */
  pieceChars: number;
}

const addPiece = (acc: ContentScan, text: string): void => {
  if (!text) return;
  acc.pieceChars += (acc.pieces.length ? 1 : 0) + text.length;
  acc.pieces.push(text);
};

/** Text length and image presence of one message's content, without copying strings. */
function scanContent(content: unknown, acc: ContentScan, ownText: boolean): void {
  if (typeof content === 'string') {
    acc.chars += content.length;
    if (ownText) addPiece(acc, content);
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (!isObject(part)) continue;
      if (typeof part.text === 'string') {
        acc.chars += part.text.length;
        if (ownText) addPiece(acc, part.text);
      }
      if (part.type === 'image_url' || part.type === 'input_image') acc.images = true;
    }
  }
}

/** Code and script signals of the prompt's text, read from its ends only (see SIGNAL_EDGE_CHARS). */
function textSignals(acc: ContentScan): Pick<RequestFeatures, 'hasCode' | 'nonLatinShare'> {
  const text = edgeText(acc.pieces, acc.pieceChars);
  return { hasCode: hasCodeShape(text), nonLatinShare: nonLatinShareOf(text) };
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
 * The code and script signals read user, system and developer text: what the caller asks, not what
 * a model or a tool answered earlier in the conversation.
 */
export function chatFeatures(body: Json & { model: string }, headers: IncomingHttpHeaders, workloadHeader: string | undefined): RequestFeatures {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const acc: ContentScan = { chars: 0, images: false, pieces: [], pieceChars: 0 };
  let systemPrompt = '';
  for (const m of messages) {
    if (!isObject(m)) continue;
    scanContent(m.content, acc, m.role === 'user' || m.role === 'system' || m.role === 'developer');
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
    ...textSignals(acc),
    maxTokens,
    systemPrompt,
    metadata,
    headers: headerRecord(headers),
    user: typeof body.user === 'string' ? body.user : undefined,
    workloadHeader,
  };
}

/** Routing features of an embeddings request. The code and script signals read its text inputs (token arrays have no text). */
export function embeddingsFeatures(body: Json & { model: string }, headers: IncomingHttpHeaders, workloadHeader: string | undefined): RequestFeatures {
  const input = body.input;
  const acc: ContentScan = { chars: 0, images: false, pieces: [], pieceChars: 0 };
  for (const x of typeof input === 'string' ? [input] : Array.isArray(input) ? input : []) {
    if (typeof x === 'string') {
      acc.chars += x.length;
      addPiece(acc, x);
    } else if (Array.isArray(x)) acc.chars += x.length * CHARS_PER_TOKEN;
  }
  return {
    operation: 'embeddings',
    requestedModel: body.model,
    inputTokens: Math.ceil(acc.chars / CHARS_PER_TOKEN),
    messageCount: 0,
    hasTools: false,
    hasImages: false,
    jsonMode: false,
    stream: false,
    ...textSignals(acc),
    systemPrompt: '',
    headers: headerRecord(headers),
    user: typeof body.user === 'string' ? body.user : undefined,
    workloadHeader,
  };
}

import { isRecord, stringField, type UpstreamErrorDetail } from './upstream-error.mapper.js';

/** OpenAI-compatible servers that give no code (vLLM, llama.cpp, …) still say this in the message. */
const CONTEXT_LENGTH_MESSAGE = /maximum context length|context length exceeded|context window/i;

/**
 * Reads `{"error":{"message","type","code"}}` (OpenAI, Azure, most compatibles) and the looser
 * shapes some compatibles use: `{"error":"text"}`, `{"message":"text"}`, `{"detail":"text"}`.
 */
export function readOpenAiErrorBody(body: unknown): UpstreamErrorDetail {
  if (!isRecord(body)) return { message: typeof body === 'string' && body.length > 0 ? body : undefined };
  const error = isRecord(body.error) ? body.error : body;
  const message = stringField(error, 'message') ?? stringField(body, 'error') ?? stringField(body, 'detail');
  let code = stringField(error, 'code') ?? stringField(error, 'type');
  if (code === undefined && message !== undefined && CONTEXT_LENGTH_MESSAGE.test(message)) code = 'context_length_exceeded';
  // Azure reports prompt filtering as a 400 with code content_filter (inner code ResponsibleAIPolicyViolation).
  const inner = isRecord(error.innererror) ? stringField(error.innererror, 'code') : undefined;
  const filteredChoice = Array.isArray(body.choices) && body.choices.some((c) => isRecord(c) && c.finish_reason === 'content_filter');
  const filtered = code === 'content_filter' || inner === 'ResponsibleAIPolicyViolation' || filteredChoice;
  return { message, code, errorClass: filtered ? 'content_filter' : undefined };
}

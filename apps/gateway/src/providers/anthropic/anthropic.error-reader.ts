import type { UpstreamErrorClass } from '../upstream.error.js';
import { isRecord, stringField, type UpstreamErrorDetail } from '../openai-compatible/upstream-error.mapper.js';

/** Anthropic error `type` → class; used for in-stream `error` events, where there is no HTTP status. */
const ERROR_TYPE_CLASSES: Record<string, UpstreamErrorClass> = {
  invalid_request_error: 'bad_request',
  not_found_error: 'bad_request',
  request_too_large: 'bad_request',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'auth',
  rate_limit_error: 'rate_limited',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'timeout',
};

/** Anthropic has no error code for this; the gateway keys context-window fallbacks on OpenAI's. */
const PROMPT_TOO_LONG = /prompt is too long|exceeds? the (?:maximum )?context/i;

export function anthropicErrorClass(type: string | undefined): UpstreamErrorClass | undefined {
  return type === undefined ? undefined : ERROR_TYPE_CLASSES[type];
}

/** Reads `{"type":"error","error":{"type","message"}}`; the HTTP status decides the class. */
export function readAnthropicErrorBody(body: unknown): UpstreamErrorDetail {
  if (!isRecord(body)) return { message: typeof body === 'string' && body.length > 0 ? body : undefined };
  const error = isRecord(body.error) ? body.error : body;
  const message = stringField(error, 'message');
  const type = stringField(error, 'type');
  const code = message !== undefined && PROMPT_TOO_LONG.test(message) ? 'context_length_exceeded' : type;
  return { message, code };
}

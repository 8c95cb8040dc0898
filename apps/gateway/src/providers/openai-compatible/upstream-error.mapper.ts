import type { IncomingHttpHeaders } from 'node:http';
import type { CallTarget } from '../provider.adapter.js';
import { UpstreamError, type UpstreamErrorClass } from '../upstream.error.js';

/** What a wire protocol can read out of an upstream error body. */
export interface UpstreamErrorDetail {
  message?: string;
  /** Upstream error `code` or `type`, e.g. `context_length_exceeded`, `overloaded_error`. */
  code?: string;
  /** Overrides the class the HTTP status implies, e.g. a 400 that is really a content filter. */
  errorClass?: UpstreamErrorClass;
}

/** Protocol-specific: reads an error body (parsed JSON, or the raw text when it was not JSON). */
export type ErrorBodyReader = (body: unknown) => UpstreamErrorDetail;

const MAX_MESSAGE_CHARS = 300;
/** Header values shorter than this are not scrubbed from messages: they are not secrets and would mangle text. */
const MIN_SECRET_CHARS = 8;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  // The request never reached the upstream, so it behaves like a refused connection for fallback.
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The class an HTTP status implies before the body is read. */
export function classifyHttpStatus(status: number): UpstreamErrorClass {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'server_error';
}

/** `retry-after-ms` (OpenAI, more precise) wins over `retry-after` (seconds or an HTTP date). */
export function parseRetryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number(firstHeader(headers['retry-after-ms']));
  if (firstHeader(headers['retry-after-ms']) !== undefined && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = firstHeader(headers['retry-after'])?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Turns every way an upstream call can fail into an UpstreamError whose message is safe to show a
 * client. One instance per adapter; only the error-body reader differs between wire protocols.
 */
export class UpstreamErrorMapper {
  constructor(private readonly readBody: ErrorBodyReader) {}

  /** A non-2xx answer. `bodyText` is the (possibly truncated) error body. */
  fromHttp(target: CallTarget, status: number, headers: IncomingHttpHeaders, bodyText: string): UpstreamError {
    const detail = this.readBody(parseJsonOrText(bodyText));
    const errorClass = detail.errorClass ?? classifyHttpStatus(status);
    const text = detail.message ?? bodyText;
    return new UpstreamError({
      errorClass,
      message: this.safeMessage(target, `${target.provider.name} answered HTTP ${status}${text ? `: ${text}` : ''}`),
      provider: target.provider.name,
      model: target.model.id,
      status,
      retryAfterMs: errorClass === 'rate_limited' || errorClass === 'server_error' ? parseRetryAfterMs(headers) : undefined,
      upstreamCode: detail.code,
    });
  }

  /** An error the upstream reported inside a 2xx stream (an SSE error event). */
  fromStreamError(target: CallTarget, detail: UpstreamErrorDetail, defaultClass: UpstreamErrorClass = 'server_error'): UpstreamError {
    return new UpstreamError({
      errorClass: detail.errorClass ?? defaultClass,
      message: this.safeMessage(target, `${target.provider.name} failed mid-stream${detail.message ? `: ${detail.message}` : ''}`),
      provider: target.provider.name,
      model: target.model.id,
      upstreamCode: detail.code,
      afterFirstByte: true,
    });
  }

  /** Socket, DNS, parser and undici timeout errors. Only the error code is kept: messages carry addresses. */
  fromTransport(target: CallTarget, err: unknown, afterFirstByte: boolean): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const code = errorCode(err);
    const errorClass: UpstreamErrorClass =
      code !== undefined && TIMEOUT_CODES.has(code) ? 'timeout' : code !== undefined && CONNECTION_CODES.has(code) ? 'connection' : 'server_error';
    const what = errorClass === 'timeout' ? 'timed out' : errorClass === 'connection' ? 'connection failed' : 'request failed';
    return new UpstreamError({
      errorClass,
      message: `${target.provider.name}: upstream ${what}${afterFirstByte ? ' mid-stream' : ''} (${code ?? 'unknown error'})`,
      provider: target.provider.name,
      model: target.model.id,
      afterFirstByte,
    });
  }

  /** One of our own deadlines passed: the whole call's (totalMs) or the wait for response headers (firstByteMs). */
  deadline(target: CallTarget, afterFirstByte: boolean, which: 'total' | 'first_byte' = 'total'): UpstreamError {
    const { totalMs, firstByteMs } = target.provider.timeouts;
    return new UpstreamError({
      errorClass: 'timeout',
      message:
        which === 'first_byte'
          ? `${target.provider.name}: upstream sent no response within the ${firstByteMs} ms first-byte timeout`
          : `${target.provider.name}: upstream exceeded the ${totalMs} ms deadline`,
      provider: target.provider.name,
      model: target.model.id,
      afterFirstByte,
    });
  }

  /** The upstream answered 2xx with something we cannot read (truncated stream, invalid JSON). */
  protocol(target: CallTarget, what: string, afterFirstByte: boolean): UpstreamError {
    return new UpstreamError({
      errorClass: 'server_error',
      message: `${target.provider.name}: ${what}`,
      provider: target.provider.name,
      model: target.model.id,
      afterFirstByte,
    });
  }

  /** Upstreams sometimes echo the key back ("Incorrect API key provided: sk-..."): scrub every key of the provider and any configured header value. */
  private safeMessage(target: CallTarget, message: string): string {
    let text = message;
    const secrets = [target.credential, target.provider.apiKey, ...(target.provider.keys ?? []).map((k) => k.secret), ...Object.values(target.provider.headers)];
    for (const secret of secrets) {
      if (secret && secret.length >= MIN_SECRET_CHARS) text = text.split(secret).join('***');
    }
    return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Narrowing helpers shared by the protocol error readers. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Every upstream failure is classified into one of these; fallback and the client-facing
 * status both key off the class, never off provider-specific codes.
 */
export type UpstreamErrorClass =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'bad_request'
  | 'auth'
  | 'content_filter';

export interface UpstreamErrorInit {
  errorClass: UpstreamErrorClass;
  /** Safe to show a client: never contains a provider key or the upstream's auth headers. */
  message: string;
  provider: string;
  model: string;
  /** HTTP status the upstream answered with, when it answered. */
  status?: number;
  retryAfterMs?: number;
  /** Upstream error `code`/`type` when it gave one, e.g. `context_length_exceeded`. */
  upstreamCode?: string;
  /** True once response bytes have reached the client; such a call can no longer fall back. */
  afterFirstByte?: boolean;
}

export class UpstreamError extends Error {
  readonly errorClass: UpstreamErrorClass;
  readonly provider: string;
  readonly model: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly upstreamCode?: string;
  readonly afterFirstByte: boolean;

  constructor(init: UpstreamErrorInit) {
    super(init.message);
    this.name = 'UpstreamError';
    this.errorClass = init.errorClass;
    this.provider = init.provider;
    this.model = init.model;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.upstreamCode = init.upstreamCode;
    this.afterFirstByte = init.afterFirstByte ?? false;
  }
}

import type { UpstreamErrorClass } from '../providers/upstream.error.js';

/** One try of one deployment, as recorded on the span. */
export interface Attempt {
  model: string;
  provider: string;
  latencyMs: number;
  errorClass?: UpstreamErrorClass;
  status?: number;
  message?: string;
}

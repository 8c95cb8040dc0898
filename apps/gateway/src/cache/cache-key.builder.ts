import { createHash } from 'node:crypto';

/**
 * Request fields that say who asked or how to deliver the answer, not what the answer is: two
 * requests differing only in these get the same completion, so they share a cache entry.
 * `n`, `seed`, `tools`, `response_format` and the sampling knobs all change the output and stay.
 */
const DELIVERY_FIELDS: ReadonlySet<string> = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'store', 'prompt_cache_key', 'safety_identifier']);

/** Tenant part of the key for calls without a tenant (admin key, open auth); no tenant id can collide with it. */
export const NO_TENANT = '\u0000no-tenant';

/** Bumped when the key or the stored entry changes shape, so old entries are simply never read again. */
const KEY_VERSION = 'v1';

export interface CacheKeyInput {
  tenantId: string | null;
  /** `model` as the client sent it: a model id, `auto` or a workload name. */
  requestedModel: string;
  /**
   * The models the route sends this call to first (its legs, in order). An alias like `auto`
   * then keys on what it resolves to, so a policy change never serves another model's answer.
   */
  servingModels: readonly string[];
  request: Record<string, unknown>;
}

/** The request without delivery fields; a top-level null means "the default", as if it were absent. */
export function normaliseChatRequest(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(request)) {
    if (DELIVERY_FIELDS.has(field) || value === null || value === undefined) continue;
    out[field] = value;
  }
  return out;
}

/** JSON with every object's keys sorted, so the same request in any key order is the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hex SHA-256 naming one exact-match cache entry. */
export function responseCacheKey(input: CacheKeyInput): string {
  const parts = [KEY_VERSION, input.tenantId ?? NO_TENANT, input.requestedModel, input.servingModels.join(','), canonicalJson(normaliseChatRequest(input.request))];
  // JSON of the parts, not a join: no field's text can spill into the next one.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

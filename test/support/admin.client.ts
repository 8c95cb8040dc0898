import { ADMIN_KEY } from './gateway.harness.js';

export interface AdminAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** One admin API call over real HTTP with the harness's admin key, as `actor` for the audit log. */
export async function adminCall(baseUrl: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, actor = 'alice'): Promise<AdminAnswer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-switchyard-actor': actor, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

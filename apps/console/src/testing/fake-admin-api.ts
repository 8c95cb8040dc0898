/** A recorded call to the stubbed admin API. */
export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  authorization: string | null;
}

type Answer = { status?: number; body: unknown } | ((call: RecordedCall) => { status?: number; body: unknown });

/**
 * Stands in for the gateway at the browser's edge (`fetch`): answers by "METHOD /path" (query
 * string ignored) with the shapes the admin API returns, and records every call. Unrouted calls
 * answer 404 in the error envelope, like the gateway.
 */
export class FakeAdminApi {
  readonly calls: RecordedCall[] = [];
  private readonly routes = new Map<string, Answer>();
  private fallback: ((call: RecordedCall) => { status?: number; body: unknown } | undefined) | undefined;

  on(method: string, path: string, answer: Answer): this {
    this.routes.set(`${method} ${path}`, answer);
    return this;
  }

  /** Answers the calls no `on` route takes; undefined from it is the 404 envelope. */
  otherwise(route: (call: RecordedCall) => { status?: number; body: unknown } | undefined): this {
    this.fallback = route;
    return this;
  }

  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://console.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    const call: RecordedCall = { method, path: url.pathname + url.search, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : null, authorization: headers.get('authorization') };
    this.calls.push(call);
    const route = this.routes.get(`${method} ${url.pathname}`);
    const answer = typeof route === 'function' ? route(call) : (route ?? this.fallback?.(call));
    if (!answer) return Promise.resolve(json(404, { error: { message: `No route ${method} ${url.pathname}`, type: 'invalid_request_error', code: 'not_found', param: null } }));
    return Promise.resolve(json(answer.status ?? 200, answer.body));
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

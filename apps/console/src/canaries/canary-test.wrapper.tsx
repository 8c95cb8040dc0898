import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';
import { type AdminSession, SessionProvider } from '../auth/session.context';

/** One request the page made, as the fake gateway saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body: unknown;
}

/** Answers a request like the admin API would; undefined means no such route (404 in the API's envelope). */
export type FakeRoute = (request: SeenRequest) => FakeAnswer | undefined;

const SESSION: AdminSession = { scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: 'test' };

/**
 * Stubs the browser's fetch (the console's only boundary with the gateway) with `route`, and
 * records every request. Call `vi.unstubAllGlobals()` after each test.
 */
export function fakeGateway(route: FakeRoute): SeenRequest[] {
  const seen: SeenRequest[] = [];
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://console.test');
    const request: SeenRequest = { method: init?.method ?? 'GET', path: url.pathname + url.search, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined };
    seen.push(request);
    const answer = route(request) ?? { status: 404, body: { error: { message: `No route ${request.method} ${request.path}`, type: 'invalid_request_error', code: 'not_found', param: null } } };
    return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } }));
  });
  return seen;
}

/** Renders `element` at `path` (matched by `pattern`, e.g. "/canaries/:diffId") as a signed-in admin (global unless `session` says otherwise) would see it. */
export function renderSignedIn(element: ReactElement, { pattern, path, session = SESSION }: { pattern: string; path: string; session?: AdminSession }): RenderResult {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter([{ path: pattern, element }], { initialEntries: [path] });
  return render(
    <QueryClientProvider client={queryClient}>
      <SessionProvider initial={{ key: 'sk-test', session }} signedIn={<RouterProvider router={router} />} signedOut={<p>Signed out</p>} />
    </QueryClientProvider>,
  );
}

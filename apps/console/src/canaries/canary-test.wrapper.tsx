import type { RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import type { AdminSession } from '../auth/session.context';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { GLOBAL_SESSION, renderPage } from '../testing/render-page';

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

/**
 * The canary specs' routing style on the shared fake gateway: one function answers every request,
 * and every request is recorded. Call `vi.unstubAllGlobals()` after each test.
 */
export function fakeGateway(route: FakeRoute): SeenRequest[] {
  const seen: SeenRequest[] = [];
  const api = new FakeAdminApi().otherwise((call) => {
    const request: SeenRequest = { method: call.method, path: call.path, body: call.body ?? undefined };
    seen.push(request);
    return route(request);
  });
  vi.stubGlobal('fetch', api.fetch);
  return seen;
}

/** Renders `element` at `path` (matched by `pattern`, e.g. "/canaries/:diffId") as a signed-in admin (global unless `session` says otherwise) would see it. */
export function renderSignedIn(element: ReactElement, { pattern, path, session = GLOBAL_SESSION }: { pattern: string; path: string; session?: AdminSession }): RenderResult {
  return renderPage(() => element, { pattern, url: path, session });
}

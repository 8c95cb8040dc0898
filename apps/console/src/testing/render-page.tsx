import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ComponentType } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { type AdminSession, SessionProvider } from '../auth/session.context';

export const GLOBAL_SESSION: AdminSession = { scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: null };

/** Renders one page at a URL the way the console does: signed in, with its query client and router. */
export function renderPage(page: ComponentType, options: { pattern: string; url: string; session?: AdminSession }): RenderResult {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter([{ path: options.pattern, Component: page }, { path: '*', element: <p>elsewhere</p> }], { initialEntries: [options.url] });
  return render(
    <QueryClientProvider client={queryClient}>
      <SessionProvider initial={{ key: 'sk-admin-test', session: options.session ?? GLOBAL_SESSION }} signedIn={<RouterProvider router={router} />} signedOut={<p>signed out</p>} />
    </QueryClientProvider>,
  );
}

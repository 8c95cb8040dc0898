import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { ApiError } from '../api/api-error';
import { SessionProvider, type SignedIn } from '../auth/session.context';
import { SignInPage } from '../auth/sign-in.page';
import { consoleRoutes } from './console.routes';

const router = createBrowserRouter(consoleRoutes, { basename: '/console' });

function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; anything else gets one more try.
        retry: (failures, error) => failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
}

export function ConsoleApp({ initial }: { initial: SignedIn | null }) {
  const [queryClient] = useState(newQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider initial={initial} signedIn={<RouterProvider router={router} />} signedOut={<SignInPage />} />
    </QueryClientProvider>
  );
}

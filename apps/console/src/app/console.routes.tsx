import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import { ConsoleLayout } from './console.layout';
import { RouteErrorPage } from './route-error.page';

/** Each page is its own chunk, so the first screen loads only the shell and the page it shows. */
function page<M>(load: () => Promise<M>, pick: (module: M) => ComponentType): RouteObject['lazy'] {
  return async () => ({ Component: pick(await load()) });
}

export const consoleRoutes: RouteObject[] = [
  {
    path: '/',
    Component: ConsoleLayout,
    ErrorBoundary: RouteErrorPage,
    children: [
      { index: true, lazy: page(() => import('../overview/overview.page'), (m) => m.OverviewPage) },
      { path: 'diffs', lazy: page(() => import('../diffs/diffs-list.page'), (m) => m.DiffsListPage) },
      { path: 'diffs/:id', lazy: page(() => import('../diffs/diff-detail.page'), (m) => m.DiffDetailPage) },
      { path: 'canaries', lazy: page(() => import('../canaries/canaries-list.page'), (m) => m.CanariesListPage) },
      { path: 'canaries/:diffId', lazy: page(() => import('../canaries/canary.page'), (m) => m.CanaryPage) },
      { path: 'policies', lazy: page(() => import('../policies/policies.page'), (m) => m.PoliciesPage) },
      { path: 'policies/compare', lazy: page(() => import('../policies/policy-compare.page'), (m) => m.PolicyComparePage) },
      { path: 'policies/versions/:id', lazy: page(() => import('../policies/policy-version.page'), (m) => m.PolicyVersionPage) },
      { path: 'spans', lazy: page(() => import('../spans/spans-search.page'), (m) => m.SpansSearchPage) },
      { path: 'spans/:id', lazy: page(() => import('../spans/span-detail.page'), (m) => m.SpanDetailPage) },
      { path: 'datasets', lazy: page(() => import('../datasets/datasets.page'), (m) => m.DatasetsPage) },
      { path: 'datasets/:name', lazy: page(() => import('../datasets/dataset.page'), (m) => m.DatasetPage) },
      { path: 'runs/:id', lazy: page(() => import('../datasets/golden-run.page'), (m) => m.GoldenRunPage) },
      { path: '*', Component: RouteErrorPage },
    ],
  },
];

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { QualityOverviewResponse, UsageOverviewResponse } from '@switchyard/contracts';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AdminSession, SessionProvider } from '../auth/session.context';
import { OverviewPage } from './overview.page';

const tenant: AdminSession = { scope: 'tenant', tenantId: 'ten_1', tenantName: 'acme', keyId: 'ak_1', keyName: 'ops' };

const USAGE: UsageOverviewResponse = { from: '2026-11-22T06:00:00.000Z', to: '2026-11-23T06:00:00.000Z', bucket: '1h', data: [], internal: { costUsd: 0.25, byOrigin: [{ origin: 'judge', requests: 40, costUsd: 0.25 }] } };
const QUALITY: QualityOverviewResponse = { since: '2026-11-16T06:00:00.000Z', data: [{ workload: 'arc', model: 'gpt-4', source: 'judge', n: 64, mean: 0.75, low: 0.63, high: 0.84, method: 'wilson' }] };
const globalOnly = (path: string) => ({ error: { message: `A tenant admin key cannot use ${path}.`, type: 'permission_error', code: 'global_admin_only', param: null } });

describe('OverviewPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('keeps every panel working when a tenant key is refused the global-only ones, each showing its own message', async () => {
    const asked: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      asked.push(url);
      const path = url.split('?')[0];
      const answer =
        path === '/admin/overview/usage' ? { status: 200, body: USAGE } : path === '/admin/overview/quality' ? { status: 200, body: QUALITY } : { status: 403, body: globalOnly(path) };
      return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
    });
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <SessionProvider initial={{ key: 'k', session: tenant }} signedIn={<OverviewPage />} signedOut={<p>signed out</p>} />
      </QueryClientProvider>,
    );

    const exploration = screen.getByRole('region', { name: 'Exploration spend' });
    expect((await within(exploration).findByRole('alert')).textContent).toContain('A tenant admin key cannot use /admin/overview/exploration.');
    const breakers = screen.getByRole('region', { name: 'Breakers' });
    expect((await within(breakers).findByRole('alert')).textContent).toContain('HTTP 403, global_admin_only');

    const quality = screen.getByRole('region', { name: 'Quality' });
    expect((await within(quality).findByRole('cell')).textContent).toBe('75.0%[63.0%, 84.0%]n = 64');
    const usage = screen.getByRole('region', { name: 'Cost and requests' });
    expect((await within(usage).findByText('No client calls in this window.')).textContent).toBeTruthy();
    expect(within(usage).getByText(/judge \$0\.2500 for 40 calls/)).toBeTruthy();

    const usageUrl = new URL(asked.find((u) => u.startsWith('/admin/overview/usage')) ?? '', 'http://x');
    expect(usageUrl.searchParams.get('bucket')).toBe('1h');
    expect(Date.parse(usageUrl.searchParams.get('to') ?? '') - Date.parse(usageUrl.searchParams.get('from') ?? '')).toBe(24 * 3_600_000);
    expect(screen.queryByText('signed out')).toBeNull();
  });
});

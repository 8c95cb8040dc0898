import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { GoldenRunDetail } from '@switchyard/contracts';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AdminSession, SessionProvider } from '../auth/session.context';
import { GoldenRunPage } from './golden-run.page';
import { progressText } from './golden-run-progress';

const session: AdminSession = { scope: 'global', tenantId: null, tenantName: null, keyId: null, keyName: null };

function run(patch: Partial<GoldenRunDetail>): GoldenRunDetail {
  return {
    id: 'gr_0123456789ab',
    dataset: { name: 'arc', tenantId: null, version: 2, versionId: 'dv_1' },
    models: ['gpt-4', 'yi-34b'],
    scorer: { name: 'multiple_choice', options: {} },
    workloadScorers: {},
    status: 'running',
    progress: { done: 118, failed: 2, total: 300 },
    error: null,
    createdBy: 'alice',
    createdAt: '2026-11-23T05:00:00.000Z',
    startedAt: '2026-11-23T05:00:01.000Z',
    finishedAt: null,
    cancelledAt: null,
    summary: [],
    ...patch,
  };
}

function renderRun(answers: (url: string, init?: RequestInit) => { status: number; body: unknown }) {
  const calls: { url: string; method: string }[] = [];
  vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
    calls.push({ url, method: init?.method ?? 'GET' });
    const a = answers(url, init);
    return Promise.resolve(new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } }));
  });
  const router = createMemoryRouter([{ path: '/runs/:id', element: <GoldenRunPage /> }], { initialEntries: ['/runs/gr_0123456789ab'] });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <SessionProvider initial={{ key: 'k', session }} signedIn={<RouterProvider router={router} />} signedOut={null} />
    </QueryClientProvider>,
  );
  return calls;
}

describe('progressText', () => {
  it('counts finished calls (scored and failed) of the total', () => {
    expect(progressText({ progress: { done: 118, failed: 2, total: 300 }, models: ['m'] })).toBe('120 of 300 items, 2 failed');
    expect(progressText({ progress: { done: 0, failed: 0, total: 1 }, models: ['m'] })).toBe('0 of 1 item, 0 failed');
    expect(progressText({ progress: { done: 1_000, failed: 0, total: 2_400 }, models: ['a', 'b'] })).toBe('1,000 of 2,400 item × model calls (2 models), 0 failed');
  });
});

describe('GoldenRunPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows a running run as a progress bar with text, and cancels it', async () => {
    let cancelled = false;
    const calls = renderRun((url) => {
      if (url.endsWith('/cancel')) {
        cancelled = true;
        return { status: 200, body: run({ status: 'cancelled', cancelledAt: '2026-11-23T05:01:00.000Z' }) };
      }
      return { status: 200, body: run(cancelled ? { status: 'cancelled' } : {}) };
    });
    const bar = await screen.findByRole('progressbar');
    expect(bar.getAttribute('value')).toBe('120');
    expect(bar.getAttribute('max')).toBe('300');
    expect(screen.getByTestId('run-progress-text').textContent).toBe('120 of 300 item × model calls (2 models), 2 failed');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('cancelled'));
    expect(calls.some((c) => c.method === 'POST' && c.url === '/admin/golden-runs/gr_0123456789ab/cancel')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('shows a finished run per model with interval, failures, cost and latency', async () => {
    renderRun(() => ({
      status: 200,
      body: run({
        status: 'completed',
        progress: { done: 298, failed: 2, total: 300 },
        summary: [
          { model: 'gpt-4', n: 150, failed: 0, mean: 0.9, low: 0.842, high: 0.938, method: 'wilson', calls: 150, costUsd: 1.2345, latencyMs: { p50: 820, p95: 1_900 } },
          { model: 'yi-34b', n: 148, failed: 2, mean: null, low: null, high: null, method: null, calls: 152, costUsd: null, latencyMs: { p50: null, p95: null } },
        ],
      }),
    }));
    const table = await screen.findByTestId('run-summary');
    const rows = within(table).getAllByRole('row').slice(1);
    const gpt = rows[0].textContent ?? '';
    expect(gpt).toContain('90.0% [84.2%, 93.8%]');
    expect(gpt).toContain('$1.23');
    expect(gpt).toContain('820 ms / 1,900 ms');
    expect(rows[1].textContent).toContain('no scores');
    expect(rows[1].textContent).toContain('unknown');
    // One whisker per scored model, on the shared 0–100% axis.
    expect(screen.getAllByTestId('interval-whisker')).toHaveLength(1);
    expect(screen.getByRole('img', { name: /gpt-4 mean score: 90\.0% \[84\.2%, 93\.8%\], n = 150/ })).toBeTruthy();
  });

  it('shows the API message when the run is not found', async () => {
    renderRun(() => ({ status: 404, body: { error: { message: 'No golden run gr_0123456789ab.', type: 'invalid_request_error', code: 'run_not_found', param: 'id' } } }));
    expect((await screen.findByRole('alert')).textContent).toContain('No golden run gr_0123456789ab.');
  });
});

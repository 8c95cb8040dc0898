import type { CanaryStatus, PolicyDiff } from '@switchyard/contracts';
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CanariesListPage } from './canaries-list.page';
import { fakeGateway, renderSignedIn } from './canary-test.wrapper';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const diff = (id: string, status: PolicyDiff['status'], updatedAt: string): PolicyDiff => ({
  id,
  environment: 'default',
  parentVersionId: 'pv_parent',
  proposedDocument: {} as PolicyDiff['proposedDocument'],
  patch: [],
  workloads: ['winogrande'],
  summary: `summary of ${id}`,
  predicted: { quality: { delta: -0.004, low: -0.011, high: 0.003 }, costPerRequest: { delta: -0.0006, low: -0.0007, high: -0.0005, relative: -0.61 } },
  evidence: { samplesPerModel: { 'yi-34b': { judge: 100, golden: 20, shadow: 0, feedback: 0 } }, scorerMix: {}, exampleSpanIds: [] },
  reason: 'cheaper',
  status,
  measured: null,
  createdBy: 'optimizer',
  createdAt: '2026-11-23T09:00:00.000Z',
  updatedAt,
});

describe('CanariesListPage', () => {
  it('lists running rollouts with their share, approved diffs, and finished ones newest first, each linking to its canary page', async () => {
    const byStatus: Record<string, PolicyDiff[]> = {
      canary: [diff('pd_running000001', 'canary', '2026-11-23T10:00:00.000Z')],
      approved: [diff('pd_approved00001', 'approved', '2026-11-23T09:30:00.000Z')],
      promoted: [diff('pd_promoted00001', 'promoted', '2026-11-22T10:00:00.000Z')],
      rolled_back: [diff('pd_rolledback001', 'rolled_back', '2026-11-23T08:00:00.000Z')],
    };
    const seen = fakeGateway((req) => {
      const url = new URL(req.path, 'http://x');
      if (url.pathname === '/admin/policy-diffs') return { status: 200, body: { data: byStatus[url.searchParams.get('status') ?? ''] ?? [], hasMore: false, nextBefore: null } };
      if (url.pathname === '/admin/policy-diffs/pd_running000001/canary') {
        const s: CanaryStatus = { diffId: 'pd_running000001', status: 'canary', share: 0.05, activeVersionId: 'pv_2', steps: [], measured: null, checks: [] };
        return { status: 200, body: s };
      }
      return undefined;
    });
    renderSignedIn(<CanariesListPage />, { pattern: '/canaries', path: '/canaries' });

    const running = await screen.findByRole('table', { name: 'Running' });
    expect(within(running).getByRole('link', { name: 'summary of pd_running000001' }).getAttribute('href')).toBe('/canaries/pd_running000001');
    expect((await within(running).findByRole('progressbar', { name: 'Canary share of pd_running000001' })).getAttribute('aria-valuetext')).toBe('5% of callers');

    const ready = screen.getByRole('table', { name: 'Ready to schedule' });
    expect(within(ready).getByRole('link').getAttribute('href')).toBe('/canaries/pd_approved00001');
    // The prediction is shown with its interval and sample count.
    expect(within(ready).getByText('n = 120')).toBeTruthy();

    const finished = await screen.findByRole('table', { name: 'Recently finished' });
    expect(within(finished).getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['/canaries/pd_rolledback001', '/canaries/pd_promoted00001']);

    const lists = seen.filter((r) => r.path.startsWith('/admin/policy-diffs?')).map((r) => new URL(r.path, 'http://x').searchParams.get('status'));
    expect(new Set(lists)).toEqual(new Set(['approved', 'canary', 'promoted', 'rolled_back']));
  });
});

import type { PolicyDiffDetail } from '@switchyard/contracts';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { GLOBAL_SESSION, renderPage } from '../testing/render-page';
import { DiffDetailPage } from './diff-detail.page';

const parentDocument = { version: 1, workloads: { arc: { route: { strategy: 'single', target: 'gpt-4' } } } };
const proposedDocument = { version: 1, workloads: { arc: { route: { strategy: 'single', target: 'yi-34b' } } } };

function diffFixture(overrides: Partial<PolicyDiffDetail> = {}): PolicyDiffDetail {
  return {
    id: 'pd_0000000000abc',
    environment: 'production',
    parentVersionId: 'pv_parent',
    proposedDocument: proposedDocument as unknown as PolicyDiffDetail['proposedDocument'],
    patch: [{ op: 'replace', path: '/workloads/arc/route/target', value: 'yi-34b' }],
    workloads: ['arc'],
    summary: 'arc: route to yi-34b; expected quality −1.2 pts, cost −91%',
    predicted: { quality: { delta: -0.012, low: -0.031, high: 0.007 }, costPerRequest: { delta: -0.0042, low: -0.0045, high: -0.0039, relative: -0.91 } },
    evidence: {
      samplesPerModel: { 'gpt-4': { judge: 300, golden: 20, shadow: 0, feedback: 1 }, 'yi-34b': { judge: 0, golden: 12, shadow: 140, feedback: 0 } },
      scorerMix: { 'judge:correctness': 440, exact: 32 },
      exampleSpanIds: ['00f1a2b3c4d5e6f7'],
    },
    reason: 'cheaper',
    status: 'proposed',
    measured: null,
    createdBy: 'optimizer',
    createdAt: '2026-11-23T05:00:00.000Z',
    updatedAt: '2026-11-23T05:00:00.000Z',
    events: [{ id: 1, diffId: 'pd_0000000000abc', action: 'proposed', actor: 'optimizer', comment: null, details: {}, at: '2026-11-23T05:00:00.000Z' }],
    ...overrides,
  };
}

describe('DiffDetailPage', () => {
  let api: FakeAdminApi;
  beforeEach(() => {
    api = new FakeAdminApi()
      .on('GET', '/admin/policy-diffs/pd_0000000000abc', { body: diffFixture() })
      .on('GET', '/admin/policy/versions/pv_parent', { body: { id: 'pv_parent', parentId: null, createdBy: 'admin', reason: 'seed', createdAt: '2026-11-22T00:00:00.000Z', document: parentDocument } });
    vi.stubGlobal('fetch', api.fetch);
  });
  afterEach(() => vi.unstubAllGlobals());

  const open = () => renderPage(DiffDetailPage, { pattern: '/diffs/:id', url: '/diffs/pd_0000000000abc' });

  it('shows the prediction with its interval and sample count, the policy change side by side, the evidence and the audit trail', async () => {
    open();
    expect(await screen.findByRole('heading', { level: 1, name: /route to yi-34b/ })).toBeTruthy();
    const quality = screen.getByTestId('predicted-quality');
    // 300 + 20 + 1 + 12 + 140 scored samples.
    expect(quality.textContent).toContain('−1.2 pts');
    expect(quality.textContent).toContain('[−3.1 pts, +0.7 pts]');
    expect(quality.textContent).toContain('n = 473');
    const cost = screen.getByTestId('predicted-cost');
    expect(cost.textContent).toContain('−$0.00420');
    expect(cost.textContent).toContain('−91.0%');

    const diff = await screen.findByTestId('json-diff');
    expect(within(diff).getByLabelText(/^Active/).textContent).toContain('"target": "gpt-4"');
    expect(within(diff).getByLabelText('Proposed').textContent).toContain('"target": "yi-34b"');
    expect(diff.querySelectorAll('.removed')).toHaveLength(1);
    expect(diff.querySelectorAll('.added')).toHaveLength(1);

    const evidence = screen.getByRole('table', { name: /Scored samples per model/ });
    expect(within(evidence).getByRole('row', { name: /yi-34b/ }).textContent).toContain('140');
    expect(screen.getByRole('link', { name: '00f1a2b3c4d5e6f7' }).getAttribute('href')).toBe('/spans/00f1a2b3c4d5e6f7');
    expect(within(screen.getByRole('list', { name: 'Audit trail' })).getByText('proposed')).toBeTruthy();
  });

  it('approves only with a comment, sends it, and shows the new state', async () => {
    api.on('POST', '/admin/policy-diffs/pd_0000000000abc/approve', () => {
      api.on('GET', '/admin/policy-diffs/pd_0000000000abc', {
        body: diffFixture({
          status: 'approved',
          events: [...diffFixture().events, { id: 2, diffId: 'pd_0000000000abc', action: 'approved', actor: 'admin', comment: 'cost win', details: {}, at: '2026-11-23T05:10:00.000Z' }],
        }),
      });
      return { body: diffFixture({ status: 'approved' }) };
    });
    open();
    const approve = await screen.findByRole('button', { name: 'Approve' });
    expect((approve as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Review comment/), { target: { value: '  cost win ' } });
    expect((approve as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(approve);
    await waitFor(() => expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({ comment: 'cost win' }));
    expect(api.calls.find((c) => c.method === 'POST')?.authorization).toBe('Bearer sk-admin-test');
    expect(await screen.findByRole('link', { name: 'Schedule its canary' })).toBeTruthy();
    expect(await screen.findByText('cost win')).toBeTruthy();
  });

  it("shows the API's message when the approval is refused", async () => {
    api.on('POST', '/admin/policy-diffs/pd_0000000000abc/approve', {
      status: 409,
      body: { error: { message: 'The active policy is no longer this diff’s parent.', type: 'invalid_request_error', code: 'stale_diff', param: null } },
    });
    open();
    fireEvent.change(await screen.findByLabelText(/Review comment/), { target: { value: 'ok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no longer this diff’s parent');
    expect(alert.textContent).toContain('stale_diff');
    expect(alert.textContent).toContain('HTTP 409');
  });

  it('shows a tenant admin the patch instead of documents, and no review buttons', async () => {
    api.on('GET', '/admin/policy/versions/pv_parent', { status: 403, body: { error: { message: 'Global admin only.', type: 'permission_error', code: 'forbidden', param: null } } });
    renderPage(DiffDetailPage, { pattern: '/diffs/:id', url: '/diffs/pd_0000000000abc', session: { ...GLOBAL_SESSION, scope: 'tenant', tenantId: 't1', tenantName: 'acme' } });
    expect(await screen.findByText(/visible to the global admin only/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(screen.getByText('Only the global admin approves or rejects diffs.')).toBeTruthy();
  });
});

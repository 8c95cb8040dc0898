import type { ActivePolicyResponse, PolicyActivationListResponse, PolicyVersion, PolicyVersionListResponse, PolicyVersionSummary } from '@switchyard/contracts';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { GLOBAL_SESSION, renderPage } from '../testing/render-page';
import { PoliciesPage } from './policies.page';
import { PolicyVersionPage } from './policy-version.page';

const summary = (id: string, parentId: string | null, reason: string, day: number): PolicyVersionSummary => ({
  id,
  parentId,
  createdBy: 'alice',
  reason,
  createdAt: `2026-11-${String(day).padStart(2, '0')}T00:00:00.000Z`,
});

const v3 = summary('pv_3', 'pv_2', 'support to claude', 22);
const v2 = summary('pv_2', 'pv_1', 'add a quality floor', 21);
const v1 = summary('pv_1', null, 'seed', 20);
const active: ActivePolicyResponse = { ...v3, document: { defaultRoute: 'claude-v2' }, environment: 'production', activatedAt: '2026-11-22T01:00:00.000Z', activatedBy: 'bob' };
const firstPage: PolicyVersionListResponse = { data: [v3, v2], hasMore: true, nextBefore: 'pv_2' };
const secondPage: PolicyVersionListResponse = { data: [v1], hasMore: false, nextBefore: null };
const activations: PolicyActivationListResponse = {
  data: [{ id: 7, environment: 'production', versionId: 'pv_3', previousVersionId: 'pv_2', activatedBy: 'bob', reason: 'canary promoted', at: '2026-11-22T01:00:00.000Z' }],
};

function PageWithLocation() {
  const location = useLocation();
  return (
    <>
      {location.pathname === '/policies' && <PoliciesPage />}
      <output data-testid="location">{location.pathname + location.search}</output>
    </>
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('PoliciesPage', () => {
  it('shows the active version, its history (with load more) and activations, and compares active with its parent by default', async () => {
    const api = new FakeAdminApi()
      .on('GET', '/admin/policy', { body: active })
      .on('GET', '/admin/policy/versions', (call) => ({ body: call.path.includes('before=pv_2') ? secondPage : firstPage }))
      .on('GET', '/admin/policy/activations', { body: activations });
    vi.stubGlobal('fetch', api.fetch);
    renderPage(PageWithLocation, { pattern: '/policies/*', url: '/policies' });

    expect(await screen.findByText('by bob', { exact: false })).toBeTruthy();
    expect(screen.getByLabelText('Policy document of pv_3').textContent).toContain('"defaultRoute": "claude-v2"');
    expect(screen.getByText('support to claude', { selector: 'dd' })).toBeTruthy();

    const history = await screen.findByRole('table', { name: /policy versions/i });
    expect(within(history).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['pv_3 active', 'pv_2']);
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(history).getAllByRole('rowheader')).toHaveLength(3));
    expect(api.calls.some((c) => c.path === '/admin/policy/versions?limit=20&before=pv_2')).toBe(true);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    const activationRow = within(screen.getByRole('table', { name: /activations/i })).getAllByRole('row')[1];
    expect(within(activationRow).getByText('canary promoted')).toBeTruthy();
    expect(within(activationRow).getByRole('link', { name: 'Compare pv_2 with pv_3' }).getAttribute('href')).toBe('/policies/compare?from=pv_2&to=pv_3');

    expect(screen.getByLabelText<HTMLSelectElement>('From (before)').value).toBe('pv_2');
    expect(screen.getByLabelText<HTMLSelectElement>('To (after)').value).toBe('pv_3');
    fireEvent.change(screen.getByLabelText('From (before)'), { target: { value: 'pv_1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/policies/compare?from=pv_1&to=pv_3'));
  });

  it("shows the API's refusal to a tenant admin", async () => {
    const refusal = { status: 403, body: { error: { message: 'This admin route needs the global admin key.', type: 'permission_error', code: 'forbidden', param: null } } };
    vi.stubGlobal('fetch', new FakeAdminApi().on('GET', '/admin/policy', refusal).on('GET', '/admin/policy/versions', refusal).on('GET', '/admin/policy/activations', refusal).fetch);
    renderPage(PoliciesPage, { pattern: '/policies', url: '/policies', session: { ...GLOBAL_SESSION, scope: 'tenant', tenantId: 't1', tenantName: 'acme' } });

    await waitFor(() => expect(screen.getAllByRole('alert')).toHaveLength(3));
    expect(screen.getAllByRole('alert')[0].textContent).toContain('needs the global admin key');
  });
});

describe('PolicyVersionPage', () => {
  it('shows one version with its document and a link to compare it with its parent', async () => {
    const version: PolicyVersion = { ...v2, document: { defaultRoute: 'gpt-4' } };
    vi.stubGlobal('fetch', new FakeAdminApi().on('GET', '/admin/policy/versions/pv_2', { body: version }).on('GET', '/admin/policy', { body: active }).fetch);
    renderPage(PolicyVersionPage, { pattern: '/policies/versions/:id', url: '/policies/versions/pv_2' });

    expect((await screen.findByLabelText('Policy document of pv_2')).textContent).toContain('"defaultRoute": "gpt-4"');
    expect(screen.getByRole('link', { name: 'Compare with its parent pv_1' }).getAttribute('href')).toBe('/policies/compare?from=pv_1&to=pv_2');
    expect((await screen.findByRole('link', { name: 'Compare with the active version pv_3' })).getAttribute('href')).toBe('/policies/compare?from=pv_2&to=pv_3');
    expect(screen.getByText('no')).toBeTruthy();
  });
});

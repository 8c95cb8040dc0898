import type { PolicyDiffResponse, PolicyVersion } from '@switchyard/contracts';
import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { renderPage } from '../testing/render-page';
import { PolicyComparePage } from './policy-compare.page';

const older: PolicyVersion = {
  id: 'pv_old',
  parentId: null,
  createdBy: 'alice',
  reason: 'seed',
  createdAt: '2026-11-20T00:00:00.000Z',
  document: { defaultRoute: 'gpt-4', routes: { support: { rules: [{ name: 'all', target: { candidates: ['gpt-4'] } }] } } },
};
const newer: PolicyVersion = {
  id: 'pv_new',
  parentId: 'pv_old',
  createdBy: 'optimizer',
  reason: 'support to the cheaper model',
  createdAt: '2026-11-22T00:00:00.000Z',
  document: { defaultRoute: 'claude-v2', routes: { support: { rules: [{ name: 'all', target: { candidates: ['claude-v2', 'gpt-4'] } }] } }, quality: { support: { 'claude-v2': 0.8 } } },
};
const diff: PolicyDiffResponse = {
  from: 'pv_old',
  to: 'pv_new',
  patch: [
    { op: 'replace', path: '/defaultRoute', value: 'claude-v2' },
    { op: 'add', path: '/routes/support/rules/0/target/candidates/0', value: 'claude-v2' },
    { op: 'add', path: '/quality', value: { support: { 'claude-v2': 0.8 } } },
    { op: 'remove', path: '/legacy' },
    { op: 'move', from: '/a', path: '/b' },
  ],
};

function serve(): FakeAdminApi {
  const api = new FakeAdminApi()
    .on('GET', '/admin/policy/diff', { body: diff })
    .on('GET', '/admin/policy/versions/pv_old', { body: older })
    .on('GET', '/admin/policy/versions/pv_new', { body: newer });
  vi.stubGlobal('fetch', api.fetch);
  return api;
}

afterEach(() => vi.unstubAllGlobals());

describe('PolicyComparePage', () => {
  it('shows both documents side by side and the RFC 6902 patch, operation by operation', async () => {
    const api = serve();
    renderPage(PolicyComparePage, { pattern: '/policies/compare', url: '/policies/compare?from=pv_old&to=pv_new' });

    const figure = await screen.findByTestId('json-diff');
    expect(api.calls[0].path).toBe('/admin/policy/diff?from=pv_old&to=pv_new');
    const before = within(figure).getByLabelText('From pv_old');
    const after = within(figure).getByLabelText('To pv_new');
    expect([...before.querySelectorAll('.removed')].map((l) => l.textContent)).toEqual(['−   "defaultRoute": "gpt-4",']);
    expect([...after.querySelectorAll('.added')].map((l) => l.textContent).join('\n')).toContain('"claude-v2": 0.8');
    expect(screen.getByText(/changed lines?\./)).toBeTruthy();

    const operations = within(screen.getByRole('list', { name: 'JSON Patch operations' })).getAllByRole('listitem');
    expect(operations.map((o) => o.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'replace /defaultRoute"claude-v2"',
      'add /routes/support/rules/0/target/candidates/0"claude-v2"',
      'add /quality{ "support": { "claude-v2": 0.8 } }',
      'remove /legacy',
      'move /a to /b',
    ]);
    expect(screen.getByText(/5 operations/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Swap' }).getAttribute('href')).toBe('/policies/compare?from=pv_new&to=pv_old');
  });

  it('lets the API pick the versions when none are named (the active one and its parent)', async () => {
    const api = serve();
    renderPage(PolicyComparePage, { pattern: '/policies/compare', url: '/policies/compare' });

    expect(await screen.findByTestId('json-diff')).toBeTruthy();
    expect(api.calls[0].path).toBe('/admin/policy/diff');
    expect(screen.getByRole('link', { name: 'pv_old' }).getAttribute('href')).toBe('/policies/versions/pv_old');
  });

  it("shows the API's message when the versions cannot be compared", async () => {
    const refusal = { error: { message: "Policy version 'pv_old' has no parent; name the version to compare it with in 'from'.", type: 'invalid_request_error', code: 'missing_required_parameter', param: 'from' } };
    vi.stubGlobal('fetch', new FakeAdminApi().on('GET', '/admin/policy/diff', { status: 400, body: refusal }).fetch);
    renderPage(PolicyComparePage, { pattern: '/policies/compare', url: '/policies/compare?to=pv_old' });

    expect((await screen.findByRole('alert')).textContent).toContain('has no parent');
    expect(screen.queryByTestId('json-diff')).toBeNull();
  });
});

import type { SpanListResponse, SpanSummary } from '@switchyard/contracts';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { GLOBAL_SESSION, renderPage } from '../testing/render-page';
import { SpansSearchPage } from './spans-search.page';

function summary(spanId: string, overrides: Partial<SpanSummary> = {}): SpanSummary {
  return {
    spanId,
    startedAt: '2026-11-23T05:00:00.000Z',
    workload: 'support',
    model: 'gpt-4',
    provider: 'openai',
    status: 'ok',
    httpStatus: 200,
    latencyMs: 420,
    costUsd: 0.0042,
    inputTokens: 100,
    outputTokens: 20,
    origin: 'live',
    rule: 'default',
    strategy: 'pinned',
    scores: { n: 2, mean: 0.75 },
    ...overrides,
  };
}

/** The page plus where the router is, so a test can read the URL the page wrote. */
function PageWithLocation() {
  const location = useLocation();
  return (
    <>
      <SpansSearchPage />
      <output data-testid="location">{location.pathname + location.search}</output>
    </>
  );
}

const open = (url: string, session = GLOBAL_SESSION) => renderPage(PageWithLocation, { pattern: '/spans/*', url, session });
const location = () => new URL(screen.getByTestId('location').textContent ?? '', 'http://console.test');
const asked = (api: FakeAdminApi) => api.calls.map((c) => new URL(c.path, 'http://console.test'));

afterEach(() => vi.unstubAllGlobals());

describe('SpansSearchPage', () => {
  it('reads its filters from the URL, writes a new search to the query string, and loads more with the cursor', async () => {
    const first: SpanListResponse = { data: [summary('00000000000000a1')], nextBefore: '2026-11-23T05:00:00.000Z_00000000000000a1' };
    const second: SpanListResponse = { data: [summary('00000000000000a2', { model: null, status: 'error', httpStatus: 502, costUsd: null, scores: { n: 0, mean: null } })], nextBefore: null };
    const api = new FakeAdminApi().on('GET', '/admin/spans', (call) => ({ body: call.path.includes('before=') ? second : first }));
    vi.stubGlobal('fetch', api.fetch);
    open('/spans?workload=support&status=ok');

    const link = await screen.findByRole('link', { name: '00000000000000a1' });
    expect(link.getAttribute('href')).toBe('/spans/00000000000000a1');
    expect(asked(api)[0].searchParams.get('workload')).toBe('support');
    expect(asked(api)[0].searchParams.get('status')).toBe('ok');
    expect(screen.getByLabelText<HTMLInputElement>('Workload').value).toBe('support');
    expect(screen.getByLabelText<HTMLSelectElement>('Status').value).toBe('ok');
    const row = link.closest('tr');
    expect(row && within(row).getByText('mean 0.750 of 2 scores')).toBeTruthy();
    expect(row && within(row).getByText('420 ms')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: '00000000000000a2' })).toBeTruthy();
    expect(asked(api).at(-1)?.searchParams.get('before')).toBe(first.nextBefore);
    expect(asked(api).at(-1)?.searchParams.get('workload')).toBe('support');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'claude-v2' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Origin'), { target: { value: 'shadow' } });
    fireEvent.change(screen.getByLabelText('From (UTC)'), { target: { value: '2026-11-22T08:30' } });
    fireEvent.change(screen.getByLabelText('Min score (0–1)'), { target: { value: '0.2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));

    await waitFor(() => expect(location().searchParams.get('model')).toBe('claude-v2'));
    expect(Object.fromEntries(location().searchParams)).toEqual({ workload: 'support', model: 'claude-v2', origin: 'shadow', from: '2026-11-22T08:30:00.000Z', minScore: '0.2' });
    await waitFor(() => expect(asked(api).at(-1)?.searchParams.get('model')).toBe('claude-v2'));
    const last = asked(api).at(-1);
    expect(last?.searchParams.get('from')).toBe('2026-11-22T08:30:00.000Z');
    expect(last?.searchParams.get('minScore')).toBe('0.2');
    expect(last?.searchParams.has('before')).toBe(false);
    expect(last?.searchParams.has('status')).toBe(false);
    // The form shows the linked search again (in UTC) after it remounts on the new URL.
    expect(screen.getByLabelText<HTMLInputElement>('From (UTC)').value).toBe('2026-11-22T08:30');
  });

  it('opens a span straight from its id', async () => {
    vi.stubGlobal('fetch', new FakeAdminApi().on('GET', '/admin/spans', { body: { data: [], nextBefore: null } }).fetch);
    open('/spans');
    expect(await screen.findByText('No span matches.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Span id'), { target: { value: ' 0123456789ABCDEF ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open span' }));
    await waitFor(() => expect(location().pathname).toBe('/spans/0123456789abcdef'));
  });

  it("shows the tenant scope and the API's refusal of a bad filter", async () => {
    const refusal = { error: { message: "Invalid value for 'maxScore': must be at least minScore", type: 'invalid_request_error', code: 'invalid_value', param: 'maxScore' } };
    vi.stubGlobal('fetch', new FakeAdminApi().on('GET', '/admin/spans', { status: 400, body: refusal }).fetch);
    open('/spans?minScore=0.9&maxScore=0.1', { ...GLOBAL_SESSION, scope: 'tenant', tenantId: 'ten_1', tenantName: 'acme' });

    expect((await screen.findByRole('alert')).textContent).toContain("Invalid value for 'maxScore'");
    expect(screen.getByText(/only spans of tenant acme/)).toBeTruthy();
  });
});

import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScoreRecord, SpanDetailResponse, SpanRecord } from '@switchyard/contracts';
import { SpanDetailPage } from './span-detail.page';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { renderPage } from '../testing/render-page';

const SPAN_ID = '0123456789abcdef';

function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    spanId: SPAN_ID,
    traceId: 'f'.repeat(32),
    parentSpanId: null,
    startedAt: '2026-11-23T05:00:00.000Z',
    latencyMs: 812,
    ttftMs: 140,
    operation: 'chat',
    tenant: 'acme',
    virtualKeyId: 'vk_1',
    workload: 'support',
    policyVersion: 'pv_42',
    strategy: 'quality_floor>cheapest',
    rule: 'cheap-first',
    requestedModel: 'auto',
    model: 'claude-v2',
    provider: 'anthropic',
    responseModel: 'claude-2.1',
    candidates: ['mixtral-8x7b', 'claude-v2', 'gpt-4'],
    attempts: [
      { model: 'mixtral-8x7b', provider: 'together', errorClass: 'rate_limited', status: 429, latencyMs: 35, message: 'slow down' },
      { model: 'claude-v2', provider: 'anthropic', status: 200, latencyMs: 770 },
    ],
    fallbackReason: 'rate_limited',
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
    errorMessage: null,
    stream: false,
    inputTokens: 120,
    outputTokens: 48,
    costUsd: 0.00123,
    finishReasons: ['stop'],
    redaction: 'full',
    requestBody: { model: 'auto', messages: [{ role: 'user', content: 'Where is my parcel?' }] },
    responseBody: { choices: [{ message: { role: 'assistant', content: 'It ships today.' } }] },
    requestHash: null,
    metadata: {
      routing: {
        workloadSource: 'header',
        ranked: [
          { model: 'mixtral-8x7b', score: 0.0006 },
          { model: 'claude-v2', score: 0.008 },
          { model: 'gpt-4', score: 0.03 },
        ],
        excluded: [{ model: 'llama-70b', reason: 'breaker_open' }],
      },
    },
    internal: false,
    origin: 'live',
    runId: null,
    createdAt: '2026-11-23T05:00:01.000Z',
    ...overrides,
  };
}

function score(overrides: Partial<ScoreRecord>): ScoreRecord {
  return {
    id: 'sc_1',
    spanId: SPAN_ID,
    scorer: 'judge:helpfulness',
    scorerVersion: '3',
    source: 'judge',
    status: 'ok',
    score: 0.8,
    label: 'good',
    reason: 'Answers the question directly.',
    raw: null,
    workload: 'support',
    model: 'claude-v2',
    runId: null,
    datasetItemId: null,
    judgeSpanId: 'aaaaaaaaaaaaaaaa',
    metadata: {},
    createdAt: '2026-11-23T05:01:00.000Z',
    ...overrides,
  };
}

const detail = (s: SpanRecord, scores: ScoreRecord[]): SpanDetailResponse => ({ span: s, scores });

afterEach(() => vi.unstubAllGlobals());

/** The gateway, answering this one span. */
function serve(answer: { status?: number; body: unknown }): FakeAdminApi {
  const api = new FakeAdminApi().on('GET', `/admin/spans/${SPAN_ID}`, answer);
  vi.stubGlobal('fetch', api.fetch);
  return api;
}

const open = () => renderPage(SpanDetailPage, { pattern: '/spans/:id', url: `/spans/${SPAN_ID}` });

describe('SpanDetailPage', () => {
  it('shows the routing decision, the attempts and every score from the API response', async () => {
    const scores = [
      score({}),
      score({ id: 'sc_2', source: 'feedback', scorer: 'feedback', scorerVersion: '1', score: 0.25, label: null, reason: 'wrong parcel', judgeSpanId: null }),
      score({ id: 'sc_3', source: 'shadow', scorer: 'judge:correctness', status: 'failed', score: null, label: null, reason: 'unparseable reply', raw: 'I think 7/10', judgeSpanId: null }),
    ];
    const api = serve({ body: detail(span(), scores) });
    const judgeCall = span({ spanId: 'aaaaaaaaaaaaaaaa', origin: 'judge', internal: true, model: 'replay-judge', candidates: ['replay-judge'] });
    api.on('GET', '/admin/spans/aaaaaaaaaaaaaaaa', { body: detail(judgeCall, []) });
    open();

    expect(await screen.findByRole('heading', { name: 'Routing decision' })).toBeTruthy();
    expect(api.calls[0].path).toBe(`/admin/spans/${SPAN_ID}`);
    expect(screen.getByText('quality_floor>cheapest')).toBeTruthy();
    expect(screen.getByText('cheap-first')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'pv_42' }).getAttribute('href')).toBe('/policies/versions/pv_42');

    const candidates = within(screen.getByRole('table', { name: /candidates/i })).getAllByRole('row').slice(1);
    expect(candidates.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['mixtral-8x7b', 'claude-v2', 'gpt-4']);
    expect(candidates.map((r) => r.lastElementChild?.textContent)).toEqual(['tried', 'served', 'not tried']);
    expect(within(candidates[0]).getByText('0.0006')).toBeTruthy();
    expect(screen.getByText('llama-70b: breaker open')).toBeTruthy();

    const attempts = within(screen.getByRole('table', { name: /upstream call/i })).getAllByRole('row').slice(1);
    expect(attempts).toHaveLength(2);
    expect(within(attempts[0]).getByText('failed: rate_limited')).toBeTruthy();
    expect(within(attempts[0]).getByText('429')).toBeTruthy();
    expect(within(attempts[0]).getByText('35 ms')).toBeTruthy();
    expect(within(attempts[1]).getByText('answered')).toBeTruthy();

    expect(screen.getByRole('heading', { name: 'Scores' })).toBeTruthy();
    const scoreRows = within(screen.getByRole('table', { name: /scores of this span/i })).getAllByRole('row').slice(1);
    expect(scoreRows).toHaveLength(3);
    expect(within(scoreRows[0]).getByText('judge')).toBeTruthy();
    expect(within(scoreRows[0]).getByText('0.800')).toBeTruthy();
    expect(within(scoreRows[0]).getByText('Answers the question directly.')).toBeTruthy();
    expect(within(scoreRows[0]).getByRole('link', { name: 'aaaaaaaaaaaaaaaa' }).getAttribute('href')).toBe('/spans/aaaaaaaaaaaaaaaa');
    // The judge model comes from the judge's own call, a span of its own.
    expect(await within(scoreRows[0]).findByText(/replay-judge/)).toBeTruthy();
    expect(within(scoreRows[1]).getByText('0.250')).toBeTruthy();
    expect(within(scoreRows[1]).getByText('wrong parcel')).toBeTruthy();
    expect(within(scoreRows[2]).getByText('failed')).toBeTruthy();
    expect(within(scoreRows[2]).getByText('I think 7/10')).toBeTruthy();

    expect(screen.getByText(/full: the request and response bodies were kept/)).toBeTruthy();
    expect(screen.getByText(/Where is my parcel\?/)).toBeTruthy();
    expect(screen.getByText(/It ships today\./)).toBeTruthy();
    expect(screen.getByText('812 ms')).toBeTruthy();
    expect(screen.getByText('$0.00123 USD')).toBeTruthy();
  });

  it('says the bodies were not kept when the span was written under metadata-only redaction', async () => {
    serve({ body: detail(span({ redaction: 'metadata-only', requestBody: null, responseBody: null }), []) });
    open();

    expect(await screen.findByText(/metadata-only: the bodies were not kept/)).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Request' })).toBeNull();
    expect(screen.getByText(/No scores yet/)).toBeTruthy();
  });

  it("shows the API's message for an unknown span", async () => {
    serve({ status: 404, body: { error: { message: `No span '${SPAN_ID}'.`, type: 'invalid_request_error', code: 'span_not_found', param: 'id' } } });
    open();

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(`No span '${SPAN_ID}'.`);
    expect(alert.textContent).toContain('HTTP 404');
    expect(screen.queryByRole('heading', { name: 'Scores' })).toBeNull();
  });
});

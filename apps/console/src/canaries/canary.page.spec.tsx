import type { CanaryStatus, PolicyDiffDetail } from '@switchyard/contracts';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CanaryPage } from './canary.page';
import { fakeGateway, type FakeRoute, renderSignedIn } from './canary-test.wrapper';

// uPlot reads the device pixel ratio through matchMedia when its module loads; jsdom has none. No chart is drawn here (one measurement).
vi.hoisted(() => {
  if (typeof window.matchMedia !== 'function') {
    window.matchMedia = (query: string) => ({ matches: false, media: query, onchange: null, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false }) as MediaQueryList;
  }
});

const ID = 'pd_0123456789abc';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const arm = (meanScore: number, scored: number) => ({ calls: 400, errors: 2, scored, meanScore, scoreVariance: 0.04, p95LatencyMs: 900, meanCostUsd: 0.001, costVariance: 0, costed: 400 });

const DIFF: PolicyDiffDetail = {
  id: ID,
  environment: 'default',
  parentVersionId: 'pv_parent',
  proposedDocument: { version: 1, workloads: {} } as unknown as PolicyDiffDetail['proposedDocument'],
  patch: [],
  workloads: ['winogrande'],
  summary: 'winogrande: route to yi-34b; expected quality −0.4% [−1.1%, +0.3%], cost −61%',
  predicted: { quality: { delta: -0.004, low: -0.011, high: 0.003 }, costPerRequest: { delta: -0.0006, low: -0.0007, high: -0.0005, relative: -0.61 } },
  evidence: { samplesPerModel: { 'yi-34b': { judge: 300, golden: 50, shadow: 20, feedback: 0 }, 'gpt-4': { judge: 600, golden: 50, shadow: 0, feedback: 3 } }, scorerMix: {}, exampleSpanIds: [] },
  reason: 'cheaper',
  status: 'canary',
  measured: null,
  createdBy: 'optimizer',
  createdAt: '2026-11-23T09:00:00.000Z',
  updatedAt: '2026-11-23T10:20:00.000Z',
  events: [],
};

const RUNNING: CanaryStatus = {
  diffId: ID,
  status: 'canary',
  share: 0.25,
  activeVersionId: 'pv_step2',
  measured: null,
  // One check of step 2 so far (two or more would draw uPlot charts, which need a canvas jsdom lacks).
  checks: [
    {
      at: '2026-11-23T10:21:00.000Z',
      step: 1,
      share: 0.25,
      versionId: 'pv_step2',
      verdict: 'wait',
      reason: '41 canary and 130 control judged calls of 200 needed',
      canary: { calls: 90, errors: 2, errorRate: 2 / 90, scored: 41, quality: { mean: 0.78, low: 0.72, high: 0.84 }, p95LatencyMs: 910, meanCostUsd: 0.0004 },
      control: { calls: 300, errors: 3, errorRate: 0.01, scored: 130, quality: { mean: 0.8, low: 0.77, high: 0.83 }, p95LatencyMs: 880, meanCostUsd: 0.001 },
      qualityDelta: { delta: -0.02, low: -0.087, high: 0.047 },
    },
  ],
  steps: [
    { action: 'commented', actor: 'alice', comment: 'canary scheduled for 2026-11-23T10:00:00.000Z', at: '2026-11-23T09:59:00.000Z', details: { schedule: { steps: [0.05, 0.25, 0.5, 1] } } },
    { action: 'canary_started', actor: 'alice', comment: 'step 1: 5% of callers', at: '2026-11-23T10:00:00.000Z', details: { step: 0, share: 0.05, versionId: 'pv_step1', stepStartedAt: 0 } },
    {
      action: 'canary_step',
      actor: 'canary',
      comment: 'step 2: 25% of callers (quality −0.50% [−2.00%, +1.00%] on 210/220 judged calls: non-inferior within the 3.10% margin)',
      at: '2026-11-23T10:20:00.000Z',
      details: { step: 1, share: 0.25, versionId: 'pv_step2', stepStartedAt: 0, measurement: { canary: arm(0.795, 210), control: arm(0.8, 220) } },
    },
  ],
};

/** The gateway as the page sees it: a running canary until it is aborted, then rolled back. */
function gateway(abortAnswer?: { status: number; body: unknown }): { route: FakeRoute; aborted: () => boolean } {
  let aborted = false;
  const rolledBack = (comment: string): CanaryStatus => ({
    ...RUNNING,
    status: 'rolled_back',
    share: null,
    activeVersionId: 'pv_parent',
    steps: [...RUNNING.steps, { action: 'rolled_back', actor: 'admin-api', comment, at: '2026-11-23T10:30:00.000Z', details: { aborted: true, restored: 'pv_parent' } }],
  });
  let comment = '';
  const route: FakeRoute = (req) => {
    if (req.method === 'GET' && req.path === `/admin/policy-diffs/${ID}`) return { status: 200, body: { ...DIFF, status: aborted ? 'rolled_back' : 'canary' } };
    if (req.method === 'GET' && req.path === `/admin/policy-diffs/${ID}/canary`) return { status: 200, body: aborted ? rolledBack(comment) : RUNNING };
    if (req.method === 'POST' && req.path === `/admin/policy-diffs/${ID}/canary/abort`) {
      if (abortAnswer) return abortAnswer;
      aborted = true;
      comment = (req.body as { comment: string }).comment;
      return { status: 200, body: rolledBack(comment) };
    }
    return undefined;
  };
  return { route, aborted: () => aborted };
}

function renderPage() {
  return renderSignedIn(<CanaryPage />, { pattern: '/canaries/:diffId', path: `/canaries/${ID}` });
}

describe('CanaryPage, running', () => {
  it('shows the share, the steps with their reasons, and the latest measurement with intervals and counts', async () => {
    fakeGateway(gateway().route);
    renderPage();
    expect((await screen.findByTestId('canary-share-text')).textContent).toBe('25% of callers on the proposed policy (step 2 of 4)');
    const bar = screen.getByRole('progressbar', { name: 'Canary share' });
    expect(bar.getAttribute('value')).toBe('0.25');
    expect(bar.getAttribute('aria-valuetext')).toBe('25% of callers on the proposed policy (step 2 of 4)');

    const steps = within(screen.getByRole('list', { name: 'Canary steps' })).getAllByRole('listitem');
    expect(steps.map((li) => li.querySelector('strong')?.textContent)).toEqual(['Canary scheduled', 'Canary started', 'Advanced to the next step']);
    expect(steps[2].textContent).toContain('Decision: quality −0.50% [−2.00%, +1.00%] on 210/220 judged calls: non-inferior within the 3.10% margin');
    expect(steps[2].textContent).toContain('by canary');

    // The latest recorded check, with the server's intervals and the counts behind them.
    const latest = screen.getByTestId('canary-latest-measurement');
    const [canaryRow, controlRow, diffRow] = within(latest).getAllByRole('row').slice(1);
    expect(canaryRow.textContent).toContain('41 judged calls');
    expect(canaryRow.textContent).toContain('78.0% [72.0%, 84.0%]');
    expect(canaryRow.textContent).toContain('910 ms');
    expect(controlRow.textContent).toContain('130 judged calls');
    expect(controlRow.textContent).toContain('80.0% [77.0%, 83.0%]');
    expect(diffRow.textContent).toContain('n = 171 judged calls');
    expect(diffRow.textContent).toContain('−2.00 pts [−8.70 pts, +4.70 pts]');
    expect(diffRow.textContent).toContain('Predicted: −0.40 pts');
    expect(screen.getByText(/Check verdict:/).textContent).toContain('wait — 41 canary and 130 control judged calls of 200 needed');

    // The prediction carries its interval and the evidence's sample count (300+50+20+600+50+3).
    expect(screen.getAllByText('n = 1,023').length).toBeGreaterThan(0);
    expect(screen.getByRole('link', { name: /Review the diff/ }).getAttribute('href')).toBe(`/diffs/${ID}`);
  });
});

describe('CanaryPage for a tenant admin', () => {
  it('shows the rollout but not the abort, which takes the global admin key', async () => {
    fakeGateway(gateway().route);
    renderSignedIn(<CanaryPage />, { pattern: '/canaries/:diffId', path: `/canaries/${ID}`, session: { scope: 'tenant', tenantId: 't_1', tenantName: 'acme', keyId: 'ak_1', keyName: 'ops' } });
    await screen.findByTestId('canary-share-text');
    expect(screen.queryByRole('button', { name: 'Abort and roll back' })).toBeNull();
    expect(screen.getByText(/Aborting a rollout changes the shared routing/)).toBeTruthy();
  });
});

describe('Abort and roll back', () => {
  it('needs a comment, then a confirmation, before it sends anything; then shows the result', async () => {
    const gw = gateway();
    const seen = fakeGateway(gw.route);
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Abort and roll back' }));

    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect((await screen.findByRole('alert')).textContent).toContain('say why the rollout is stopped');
    fireEvent.change(screen.getByLabelText(/Why stop this rollout/), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(screen.getByLabelText(/Why stop this rollout/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Yes, abort and roll back' })).toBeNull();

    fireEvent.change(screen.getByLabelText(/Why stop this rollout/), { target: { value: ' customer escalation ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(screen.getByText(/re-activate the parent policy/).textContent).toContain('pv_parent');
    expect(seen.filter((r) => r.method === 'POST')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Yes, abort and roll back' }));
    expect((await screen.findByText(/Rolled back: the rollout is now/)).textContent).toContain('the active policy is pv_parent');
    expect(seen.filter((r) => r.method === 'POST')).toEqual([{ method: 'POST', path: `/admin/policy-diffs/${ID}/canary/abort`, body: { comment: 'customer escalation' } }]);
    expect(gw.aborted()).toBe(true);
    await waitFor(() => expect(screen.getByTestId('canary-share-text').textContent).toBe('Rolled back at step 2 of 4: every caller is on the parent policy'));
    // The result stays once the refreshed status shows the rollout stopped (and the abort button gone).
    expect(screen.getByText(/Rolled back: the rollout is now/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Abort and roll back' })).toBeNull();
    const last = within(screen.getByRole('list', { name: 'Canary steps' })).getAllByRole('listitem').at(-1);
    expect(last?.textContent).toContain('Aborted and rolled back');
    expect(last?.textContent).toContain('Comment: customer escalation');
  });

  it("shows the API's refusal when the rollout ended meanwhile", async () => {
    fakeGateway(gateway({ status: 409, body: { error: { message: 'No rollout is running for this diff; it is promoted.', type: 'invalid_request_error', code: 'illegal_transition', param: null } } }).route);
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: 'Abort and roll back' }));
    fireEvent.change(screen.getByLabelText(/Why stop this rollout/), { target: { value: 'too slow' } });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, abort and roll back' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('No rollout is running for this diff; it is promoted.');
    expect(alert.textContent).toContain('HTTP 409');
  });
});

describe('CanaryPage, approved', () => {
  it('offers the schedule form, and once scheduled says when the rollout starts', async () => {
    let scheduled: { startAt?: string; steps: number[] } | null = null;
    const status = (): CanaryStatus => ({
      diffId: ID,
      status: 'approved',
      share: null,
      activeVersionId: 'pv_parent',
      measured: null,
      checks: [],
      steps: scheduled ? [{ action: 'commented', actor: 'admin-api', comment: 'canary scheduled', at: '2026-11-23T09:59:00.000Z', details: { schedule: scheduled } }] : [],
    });
    const seen = fakeGateway((req) => {
      if (req.method === 'GET' && req.path === `/admin/policy-diffs/${ID}`) return { status: 200, body: { ...DIFF, status: 'approved' } };
      if (req.method === 'GET' && req.path === `/admin/policy-diffs/${ID}/canary`) return { status: 200, body: status() };
      if (req.method === 'POST' && req.path === `/admin/policy-diffs/${ID}/canary`) {
        scheduled = (req.body as { schedule: { startAt?: string; steps: number[] } }).schedule;
        return { status: 202, body: { diffId: ID, startsAt: '2026-11-24T08:00:00.000Z', schedule: scheduled } };
      }
      return undefined;
    });
    renderPage();
    expect(await screen.findByRole('heading', { name: 'Schedule the canary' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Abort and roll back' })).toBeNull();
    fireEvent.change(screen.getByLabelText(/^Start time/), { target: { value: '2026-11-24T08:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    // The status is asked again after scheduling, and shows the recorded schedule.
    const notice = await screen.findByText(/A rollout is scheduled to start/);
    expect(notice.textContent).toContain('24 Nov 2026, 08:00:00 UTC');
    expect(notice.textContent).toContain('(5% → 25% → 50% → 100% of callers)');
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

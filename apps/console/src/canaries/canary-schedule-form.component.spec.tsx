import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { CanaryScheduleForm } from './canary-schedule-form.component';
import { fakeGateway, renderSignedIn } from './canary-test.wrapper';

const DIFF = 'pd_0123456789abc';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderForm() {
  return renderSignedIn(<CanaryScheduleForm diffId={DIFF} />, { pattern: '/', path: '/' });
}

const input = (label: RegExp) => screen.getByLabelText<HTMLInputElement>(label);
const type = (label: RegExp, value: string) => fireEvent.change(input(label), { target: { value } });
const posts = (seen: { method: string }[]) => seen.filter((r) => r.method === 'POST');

describe('CanaryScheduleForm', () => {
  it('starts from the contract defaults, in the units a person reads', () => {
    fakeGateway(() => undefined);
    renderForm();
    expect(input(/^Steps/).value).toBe('0.05, 0.25, 0.5, 1');
    expect(input(/^Least dwell per step$/).value).toBe('10');
    expect(screen.getByLabelText<HTMLSelectElement>(/^Least dwell per step: unit/).value).toBe('minutes');
    expect(input(/^Tolerance/).value).toBe('2');
    expect(input(/^Least judged calls/).value).toBe('200');
    expect(input(/^Error-rate tolerance/).value).toBe('1');
    expect(input(/^Roll back a step still undecided after$/).value).toBe('24');
    expect(input(/^Start time/).value).toBe('');
  });

  it('refuses steps that do not increase or do not end at 1, and sends nothing', async () => {
    const seen = fakeGateway(() => undefined);
    renderForm();
    type(/^Steps/, '0.5, 0.25, 1');
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    expect((await screen.findAllByText(/steps must increase/)).length).toBeGreaterThan(0);
    expect(input(/^Steps/).getAttribute('aria-invalid')).toBe('true');

    type(/^Steps/, '0.1, 0.5');
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    expect((await screen.findAllByText(/the last step must be 1/)).length).toBeGreaterThan(0);

    type(/^Steps/, '0.1, half, 1');
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    expect((await screen.findAllByText(/“half” is not a share/)).length).toBeGreaterThan(0);

    // A problem in a folded setting unfolds "More settings" so it can be seen.
    type(/^Steps/, '0.1, 1');
    type(/^Largest p95 latency ratio/, '0.5');
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    expect(input(/^Largest p95 latency ratio/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('More settings').closest('details')?.open).toBe(true);

    expect(posts(seen)).toEqual([]);
  });

  it('sends the schedule in the API units and says when it starts', async () => {
    const seen = fakeGateway((req) =>
      req.method === 'POST' && req.path === `/admin/policy-diffs/${DIFF}/canary`
        ? { status: 202, body: { diffId: DIFF, startsAt: '2026-11-24T09:30:00.000Z', schedule: (req.body as { schedule: unknown }).schedule } }
        : undefined,
    );
    renderForm();
    type(/^Start time/, '2026-11-24T09:30');
    type(/^Steps/, ' 0.1,0.5 , 1');
    type(/^Least dwell per step$/, '30');
    fireEvent.change(screen.getByLabelText(/^Least dwell per step: unit/), { target: { value: 'seconds' } });
    type(/^Tolerance/, '3');
    type(/^Least judged calls/, '50');
    fireEvent.click(screen.getByLabelText(/Also allow the drop/));
    type(/^Error-rate tolerance/, '0.5');
    type(/^Check every$/, '15');
    fireEvent.change(screen.getByLabelText(/^Check every: unit/), { target: { value: 'seconds' } });
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));

    await screen.findByText(/Scheduled: the first step \(10% of callers\) starts/);
    expect(posts(seen)).toEqual([
      {
        method: 'POST',
        path: `/admin/policy-diffs/${DIFF}/canary`,
        body: {
          schedule: {
            startAt: new Date('2026-11-24T09:30').toISOString(),
            steps: [0.1, 0.5, 1],
            minDwellMs: 30_000,
            minSamplesPerStep: 50,
            tolerance: 0.03,
            allowPredictedDrop: false,
            errorRateTolerance: 0.005,
            latencyP95Ratio: 1.25,
            latencyP95SlackMs: 50,
            maxStepMs: 24 * 3_600_000,
            checkEveryMs: 15_000,
          },
        },
      },
    ]);
  });

  it("shows the API's refusal with its status and code", async () => {
    fakeGateway((req) =>
      req.method === 'POST'
        ? { status: 409, body: { error: { message: "The active policy is pv_b, not this diff's parent pv_a; the optimizer will propose again against it.", type: 'invalid_request_error', code: 'stale_diff', param: null } } }
        : undefined,
    );
    renderForm();
    fireEvent.click(screen.getByRole('button', { name: 'Schedule canary' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("not this diff's parent pv_a");
    expect(alert.textContent).toContain('HTTP 409');
    expect(alert.textContent).toContain('stale_diff');
    await waitFor(() => expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Schedule canary' }).disabled).toBe(false));
  });
});

import type { PolicyDiffDetail } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleBrowser, buildConsole, openConsoleBrowser } from './support/console.browser.js';
import { ADMIN_KEY } from './support/gateway.harness.js';
import { LoopStack } from './support/loop.stack.js';

const CHEAPER = ['zero-one-ai--Yi-34B-Chat', 'mistralai--mixtral-8x7b-chat', 'gpt-3.5-turbo-1106', 'claude-instant-v1'];
const WORKLOADS = ['arc-challenge', 'winogrande'];

/**
 * The review console in headless Chromium against the real gateway, worker and optimizer (on the
 * test Postgres and Redis, upstreams replaying RouterBench's recorded answers): a reviewer signs in,
 * checks a proposed diff against the API, approves it, runs its canary, uploads a dataset with a bad
 * line and follows the evidence to a span's scores. Screenshots go to test-artifacts/console/.
 */
describe('review console in a browser', () => {
  let s: LoopStack;
  let b: ConsoleBrowser;
  let diff: PolicyDiffDetail;
  const url = (path: string) => `${s.h.baseUrl}/console${path}`;

  beforeAll(async () => {
    const dir = await buildConsole();
    s = await LoopStack.start({ cheaper: CHEAPER, workloads: WORKLOADS, floorShare: 0.85, console: { dir } });
    b = await openConsoleBrowser();
    // Scored traffic until the optimizer proposes a cheaper route for ARC, as in the closed-loop test.
    await s.send(320, 1, s.fleet.rows.filter((r) => WORKLOADS.includes(r.workload)));
    await s.drained(WORKLOADS);
    diff = await s.refitAndAwaitProposal('arc-challenge');
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('signs in with the admin key and a name, and signs out again', async () => {
    const { page } = b;
    await page.goto(url('/'));
    await page.getByLabel('Admin key').fill('wrong-key-0000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The API's own refusal, shown as it came.
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/HTTP 401/);

    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByLabel('Your name (optional)').fill('dana');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Global admin');
    expect(await page.evaluate("sessionStorage.getItem('switchyard.adminKey')")).toBe(ADMIN_KEY);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('switchyard.adminKey')")).toBeNull();

    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByLabel('Your name (optional)').fill('dana');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
  });

  it('opens the proposed diff and shows the numbers the API gives', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Diffs', exact: true }).click();
    await page.getByRole('link', { name: diff.summary }).click();
    await page.getByRole('heading', { level: 1, name: diff.summary }).waitFor();

    const whisker = async (testId: string) => {
      const g = page.getByTestId(testId).locator('.interval-primary');
      const attr = async (name: string) => Number(await g.getAttribute(name));
      return { delta: await attr('data-delta'), low: await attr('data-low'), high: await attr('data-high') };
    };
    expect(await whisker('predicted-quality')).toEqual(diff.predicted.quality);
    const cost = diff.predicted.costPerRequest;
    expect(await whisker('predicted-cost')).toEqual({ delta: cost.delta, low: cost.low, high: cost.high });
    const n = Object.values(diff.evidence.samplesPerModel).reduce((sum, x) => sum + x.judge + x.golden + x.shadow + x.feedback, 0);
    const quality = await page.getByTestId('predicted-quality').textContent();
    expect(quality).toContain(`n = ${n.toLocaleString('en-US')}`);
    expect(quality).toContain(`${(diff.predicted.quality.delta * 100).toFixed(1).replace('-', '−')} pts`);

    // The policy change side by side: GPT-4 on the left, the proposed route on the right.
    expect(await page.getByTestId('json-diff').locator('.removed').count()).toBeGreaterThan(0);
    await b.screenshot('diff');
  });

  it('approves the diff with a comment, which the audit trail and the API then show', async () => {
    const { page } = b;
    const approve = page.getByRole('button', { name: 'Approve' });
    expect(await approve.isDisabled()).toBe(true);
    await page.getByLabel('Review comment (required)').fill('cost win on ARC; quality within the interval');
    await approve.click();
    await page.getByRole('link', { name: 'Schedule its canary' }).waitFor();
    const trail = page.getByRole('list', { name: 'Audit trail' });
    await trail.getByText('cost win on ARC; quality within the interval').waitFor();
    expect(await trail.textContent()).toContain('by dana');

    const after = await s.diff(diff.id);
    expect(after.status).toBe('approved');
    expect(after.events.find((e) => e.action === 'approved')).toMatchObject({ actor: 'dana' });
  });

  it("opens a span from the diff's evidence and sees its scores", async () => {
    const { page } = b;
    await page.goto(url(`/diffs/${diff.id}`));
    const spanId = diff.evidence.exampleSpanIds[0];
    expect(spanId).toBeDefined();
    await page.getByRole('list', { name: 'Example spans' }).getByRole('link', { name: spanId }).click();
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    const span = (await s.admin('GET', `/admin/spans/${spanId}`)).json as { scores: { source: string; value: number }[] };
    expect(span.scores.length).toBeGreaterThan(0);
    const table = page.getByRole('table', { name: /scores/i });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(span.scores.length);
    expect(b.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });
});

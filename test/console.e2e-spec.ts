import type { PolicyDiffDetail } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.check.js';
import { type ConsoleBrowser, buildConsole, openConsoleBrowser } from './support/console.browser.js';
import { adminCall } from './support/admin.client.js';
import { ADMIN_KEY } from './support/gateway.harness.js';
import { LoopStack } from './support/loop.stack.js';

const CHEAPER = ['zero-one-ai--Yi-34B-Chat', 'mistralai--mixtral-8x7b-chat', 'gpt-3.5-turbo-1106', 'claude-instant-v1'];
const WORKLOADS = ['arc-challenge', 'winogrande'];

/**
 * The review console in headless Chromium against the real gateway, worker and optimizer (on the
 * test Postgres and Redis, every model served by the replay provider from RouterBench's recorded
 * answers, its simulated judge grading): a reviewer signs in,
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
    // Every model and the judge served by the gateway's replay provider from the recorded fleet (judge noise 0: the e2e checks the pages, not the statistics).
    s = await LoopStack.start({ cheaper: CHEAPER, workloads: WORKLOADS, floorShare: 0.85, console: { dir }, replay: { judgeNoise: 0 } });
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
    await page.getByLabel('Admin key').waitFor();
    expect(await axeViolations(page)).toEqual([]);
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
    expect(await axeViolations(page)).toEqual([]);
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

  it('schedules the canary from the approved diff and watches it advance to promotion', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Schedule its canary' }).click();
    await page.getByRole('heading', { name: 'Schedule the canary' }).waitFor();
    // The closed-loop test's schedule, typed as a person would (shares, seconds, points).
    await page.getByLabel('Steps (shares of callers, comma-separated, ending at 1)').fill('0.25, 0.5, 1');
    await page.getByLabel('Least dwell per step', { exact: true }).fill('0.3');
    await page.getByLabel('Least dwell per step: unit').selectOption('seconds');
    await page.getByLabel('Tolerance (quality points below control)').fill('5');
    await page.getByLabel('Least judged calls per arm per step').fill('60');
    await page.getByText('More settings').click();
    await page.getByLabel('p95 latency slack (ms)').fill('5000');
    await page.getByLabel('Roll back a step still undecided after', { exact: true }).fill('60');
    await page.getByLabel('Roll back a step still undecided after: unit').selectOption('seconds');
    await page.getByLabel('Check every', { exact: true }).fill('0.25');
    await page.getByLabel('Check every: unit').selectOption('seconds');
    await page.getByRole('button', { name: 'Schedule canary' }).click();
    // The rollout starts at once (no start time given): the form gives way to its timeline.
    await page.getByRole('list', { name: 'Canary steps' }).getByText('Canary scheduled', { exact: true }).waitFor();

    // Client traffic on ARC drives the rollout; the page follows it by polling.
    const shares = new Set<string>();
    const arc = s.fleet.rows.filter((r) => r.workload === 'arc-challenge');
    const ended = await s.canaryEnds(diff.id, async (round) => {
      await s.send(64, 1_000 + round, arc);
      await s.drained(WORKLOADS);
      shares.add((await page.getByTestId('canary-share-text').textContent()) ?? '');
    });
    expect(ended.status).toBe('promoted');
    await expect.poll(() => page.getByTestId('canary-share-text').textContent(), { timeout: 10_000 }).toContain('Promoted');
    // The timeline lists the start, each advance and the promotion, as the API's step log does.
    const timeline = page.getByRole('list', { name: 'Canary steps' });
    await expect.poll(() => timeline.getByText('Promoted', { exact: true }).count()).toBeGreaterThan(0);
    const api = (await s.admin('GET', `/admin/policy-diffs/${diff.id}/canary`)).json as { steps: unknown[]; checks: unknown[] };
    expect(await timeline.locator(':scope > li').count()).toBe(api.steps.length);
    expect(api.checks.length).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Canary against control' }).waitFor();
    expect([...shares].some((t) => /of callers on the proposed policy|Promoted/.test(t))).toBe(true);
    await b.screenshot('canary');
    expect(await axeViolations(page)).toEqual([]);
  }, 200_000);

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
    expect(await axeViolations(page)).toEqual([]);
    expect(b.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  it('uploads a dataset with a bad line and names the line, worded as the API words it', async () => {
    const { page } = b;
    const file = ['{"input":"What is 2 + 2?","expected":"4"}', '{"expected":"5"}', '{"input":"Capital of France?","expected":"Paris"}'].join('\n') + '\n';
    await page.getByRole('link', { name: 'Datasets & runs' }).click();
    await page.getByLabel('Dataset file').setInputFiles({ name: 'console-golden.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(file) });
    expect(await page.getByLabel('Dataset name').inputValue()).toBe('console-golden');
    await page.getByRole('button', { name: 'Upload' }).click();

    // The same file straight to the API: the console must list exactly its issues.
    const direct = await fetch(`${s.h.baseUrl}/admin/datasets/console-golden/versions?format=jsonl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/jsonl' },
      body: file,
    });
    expect(direct.status).toBe(422);
    const { error } = (await direct.json()) as { error: { issues: { line: number; reason: string }[] } };
    expect(error.issues.map((i) => i.line)).toEqual([2]);
    const issues = page.getByRole('region', { name: /invalid line/ }).getByRole('listitem');
    await expect.poll(() => issues.allTextContents()).toEqual([`Line 2: ${error.issues[0].reason}`]);
    expect(await axeViolations(page)).toEqual([]);
    // Nothing was stored under that name.
    expect((await s.admin('GET', '/admin/datasets/console-golden/versions')).status).toBe(404);
  });

  it('shows the overview: usage, the quality heatmap, exploration spend and breakers', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    for (const panel of ['Cost and requests', 'Quality', 'Exploration spend', 'Breakers']) await page.getByRole('heading', { level: 2, name: panel }).waitFor();
    // The heatmap has a row for ARC, judged on every call.
    await page.getByRole('table', { name: /score per workload × model/ }).getByRole('rowheader', { name: 'arc-challenge' }).waitFor();
    await page.getByTestId('time-series-chart').first().waitFor();
    await b.screenshot('overview');
    expect(await axeViolations(page)).toEqual([]);
    expect(b.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  });

  describe('a second reviewer', () => {
    let wino: string;
    beforeAll(async () => {
      // A diff for the other workload, posted to the API as a person (not the optimizer) may.
      const active = await s.active();
      const document = JSON.parse(JSON.stringify(active.document)) as { routes: Record<string, unknown> };
      document.routes['winogrande'] = 'zero-one-ai--Yi-34B-Chat';
      const created = await s.admin('POST', '/admin/policy-diffs', {
        parentVersionId: active.id,
        proposedDocument: document,
        workloads: ['winogrande'],
        summary: 'winogrande: route everything to Yi-34B (hand-made)',
        predicted: { quality: { delta: -0.06, low: -0.11, high: -0.01 }, costPerRequest: { delta: -0.004, low: -0.0045, high: -0.0035, relative: -0.9 } },
        evidence: { samplesPerModel: { 'zero-one-ai--Yi-34B-Chat': { judge: 0, golden: 0, shadow: 40, feedback: 0 } }, scorerMix: {}, exampleSpanIds: [] },
        reason: 'cheaper',
      });
      expect(created.status).toBe(201);
      wino = String(created.json['id']);
    });

    it('reviews with the keyboard alone: signs in, finds the diff and rejects it with a comment', async () => {
      const k = await openConsoleBrowser();
      try {
        const { page } = k;
        const focused = () => page.evaluate<string>('document.activeElement ? (document.activeElement.getAttribute("aria-label") || document.activeElement.textContent || "").trim() : ""');
        /** Tabs forward until the focused control's name is `name`; fails if it takes more than `max` presses. */
        const tabTo = async (name: string | RegExp, max = 60) => {
          for (let i = 0; i < max; i++) {
            const now = await focused();
            if (typeof name === 'string' ? now === name : name.test(now)) return;
            await page.keyboard.press('Tab');
          }
          throw new Error(`no focusable '${String(name)}' within ${max} Tab presses (last: '${await focused()}')`);
        };
        await page.goto(url('/'));
        // The key field has focus on arrival.
        await page.keyboard.type(ADMIN_KEY);
        await page.keyboard.press('Tab');
        await page.keyboard.type('kim');
        await page.keyboard.press('Enter');
        await page.getByTestId('signed-in-as').waitFor();

        await tabTo('Diffs');
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: 'Policy diffs' }).waitFor();
        await tabTo('winogrande: route everything to Yi-34B (hand-made)');
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: /hand-made/ }).waitFor();

        // Into the comment box, then to Reject.
        for (let i = 0; i < 80 && (await page.evaluate('document.activeElement?.tagName')) !== 'TEXTAREA'; i++) await page.keyboard.press('Tab');
        await page.keyboard.type('Wino is customer-facing; a 6-point drop is too much.');
        await tabTo('Reject');
        await page.keyboard.press('Enter');
        await page.getByRole('list', { name: 'Audit trail' }).getByText('Wino is customer-facing; a 6-point drop is too much.').waitFor();
        expect((await s.diff(wino)).events.at(-1)).toMatchObject({ action: 'rejected', actor: 'kim' });
      } finally {
        await k.close();
      }
    });

    it("sees only its tenant's diffs with a tenant admin key, cannot review them, and is told what it may not see", async () => {
      const tenant = await s.admin('POST', '/admin/tenants', { name: 'console-tenant' });
      expect(tenant.status).toBe(201);
      const tenantId = String(tenant.json['id']);
      expect((await adminCall(s.h.baseUrl, 'PATCH', `/admin/tenants/${tenantId}`, { workloads: ['winogrande'] })).status).toBe(200);
      const key = await s.admin('POST', `/admin/tenants/${tenantId}/admin-keys`, { name: 'tenant-console' });
      expect(key.status).toBe(201);

      const t = await openConsoleBrowser();
      try {
        const { page } = t;
        await page.goto(url('/diffs'));
        await page.getByLabel('Admin key').fill(String(key.json['secret']));
        await page.getByRole('button', { name: 'Sign in' }).click();
        expect(await page.getByTestId('signed-in-as').textContent()).toContain('Tenant console-tenant');
        await page.getByRole('link', { name: 'Diffs', exact: true }).click();
        await page.getByRole('link', { name: /hand-made/ }).waitFor();
        // The ARC diff belongs to no tenant of this key: not listed.
        expect(await page.getByRole('link', { name: diff.summary }).count()).toBe(0);
        await page.getByRole('link', { name: /hand-made/ }).click();
        await page.getByText('Only the global admin approves or rejects diffs.').waitFor();
        expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);

        await page.getByRole('link', { name: 'Overview' }).click();
        // Exploration spend is global: the panel shows the API's refusal, the rest of the page works.
        await page.getByRole('heading', { level: 2, name: 'Exploration spend' }).waitFor();
        await expect.poll(() => page.getByRole('alert').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('HTTP 403')]));
        await page.getByRole('heading', { level: 2, name: 'Quality' }).waitFor();
        expect(t.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
      } finally {
        await t.close();
      }
    });
  });
});

// `npm run bench:console`: how soon the review console's first screen is usable, over cold loads
// in headless Chromium, against a same-run baseline (a bare static page with the same input).
// Prints one JSON report on stdout and a table on stderr. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTestEnv } from '@switchyard/config';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type BaselinePage, startBaselinePage } from './console/baseline-page.server.js';
import { type ConsoleGateway, startConsoleGateway } from './console/console-gateway.runner.js';
import { type ConsoleTableRow, formatTable } from './console/console.table.js';
import { type ByteCount, installProbe, type LoadMeasurement, type Milestone, readProbe } from './console/first-screen.probe.js';
import { type Spread, spread } from './console/load-stats.js';
import { killAllChildren } from './overhead/process.runner.js';
import { emitReport, median } from './support/bench-report.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values: flags } = parseArgs({
  options: {
    trials: { type: 'string', default: '15' },
    /** Untimed rounds first: the gateway's JIT, the OS file cache, Chromium's own start-up. */
    warmup: { type: 'string', default: '2' },
    /** The console build to serve; default the one `npm run build:console` writes (dist/console). */
    'console-dir': { type: 'string', default: resolve(here, '../console') },
    database: { type: 'string', default: 'switchyard_bench_console' },
    spans: { type: 'string', default: '20000' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    out: { type: 'string' },
  },
});
const TRIALS = Number(flags.trials);
const WARMUP = Number(flags.warmup);
const CONSOLE_DIR = resolve(flags['console-dir']);
const LOAD_TIMEOUT_MS = 30_000;
const VIEWPORT = { width: 1360, height: 900 };
const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
const TARGET = { medianMs: 1_000, judged: ['signIn.adminKeyInput', 'overview.overviewHeadings'] };
const PANELS = ['Cost and requests', 'Quality', 'Exploration spend', 'Breakers'];

type ScenarioName = 'baseline' | 'signIn' | 'overview';

interface Scenario {
  name: ScenarioName;
  url: string;
  watch: Milestone[];
  /** Put in the tab's sessionStorage before the page runs, as a signed-in reviewer's tab has it. */
  adminKey?: string;
  /** Checks with Playwright's own locators that the page shows what the probe said it shows. */
  verify(page: Page): Promise<void>;
}

interface Trial {
  measurement: LoadMeasurement;
  errors: string[];
}

const verifyAdminKeyInput = async (page: Page): Promise<void> => {
  const input = page.getByLabel('Admin key');
  if (!(await input.isVisible()) || !(await input.isEnabled())) throw new Error(`${page.url()}: the Admin key input is not visible and enabled`);
};

const verifyOverview = async (page: Page): Promise<void> => {
  if (!(await page.getByRole('heading', { level: 1, name: 'Overview' }).isVisible())) throw new Error('the Overview heading is not visible');
  for (const name of PANELS) if (!(await page.getByRole('heading', { level: 2, name }).isVisible())) throw new Error(`the ${name} panel heading is not visible`);
  const usageRows = await page.getByRole('table', { name: 'Cost and requests' }).locator('tbody tr').count();
  if (usageRows === 0) throw new Error('the usage table has no rows: the seeded traffic is not shown');
};

/** One cold load: a new context (empty cache, storage and connections), the probe, the page, then the timings. */
async function load(browser: Browser, scenario: Scenario): Promise<Trial> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    if (scenario.adminKey) {
      const origin = new URL(scenario.url).origin;
      await context.addInitScript({
        content: `if (location.origin === ${JSON.stringify(origin)}) sessionStorage.setItem('switchyard.adminKey', ${JSON.stringify(scenario.adminKey)});`,
      });
    }
    await installProbe(context, scenario.watch);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
    });
    await page.goto(scenario.url, { waitUntil: 'commit', timeout: LOAD_TIMEOUT_MS });
    const measurement = await readProbe(page, LOAD_TIMEOUT_MS).catch((err: unknown) => {
      throw new Error(`${scenario.name}: the page did not reach ${scenario.watch.join(', ')} in ${LOAD_TIMEOUT_MS} ms (${err instanceof Error ? err.message : String(err)})`);
    });
    await scenario.verify(page);
    const uncaught = errors.filter((e) => e.startsWith('pageerror'));
    if (uncaught.length) throw new Error(`${scenario.name}: ${uncaught.join('; ')}`);
    return { measurement, errors };
  } finally {
    await context.close();
  }
}

const kib = (bytes: number): number => Number((bytes / 1024).toFixed(1));

function medianBytes(counts: readonly ByteCount[]): ByteCount {
  const field = (k: keyof ByteCount) => median(counts.map((c) => c[k]));
  return { count: field('count'), transferBytes: field('transferBytes'), encodedBytes: field('encodedBytes'), decodedBytes: field('decodedBytes') };
}

function summarize(scenario: Scenario, trials: readonly Trial[]) {
  const ms = trials.map((t) => t.measurement);
  const milestones = Object.fromEntries(
    scenario.watch.map((name) => {
      const marks = ms.map((m) => m.marks[name]).filter((m) => m !== undefined);
      return [name, { painted: spread(marks.map((m) => m.frameMs)), inDom: spread(marks.map((m) => m.domMs)) }];
    }),
  ) as Record<Milestone, { painted: Spread; inDom: Spread }>;
  const nav = (k: keyof LoadMeasurement['navigation']) => spread(ms.map((m) => m.navigation[k]));
  return {
    url: scenario.url,
    milestones,
    navigation: {
      responseStart: nav('responseStartMs'),
      domInteractive: nav('domInteractiveMs'),
      domContentLoadedEnd: nav('domContentLoadedEndMs'),
      loadEventEnd: nav('loadEventEndMs'),
      documentTransferBytes: median(ms.map((m) => m.navigation.documentTransferBytes)),
    },
    /** Over the loads that reported one (n says how many). */
    firstContentfulPaint: spread(ms.map((m) => m.firstContentfulPaintMs).filter((x) => x !== null)),
    /** Everything fetched by the time the last milestone was painted and the load event ended (median per field). */
    resources: {
      js: medianBytes(ms.map((m) => m.resources.js)),
      css: medianBytes(ms.map((m) => m.resources.css)),
      api: medianBytes(ms.map((m) => m.resources.api)),
      other: medianBytes(ms.map((m) => m.resources.other)),
    },
    consoleErrors: [...new Set(trials.flatMap((t) => t.errors))],
    trials: ms,
  };
}

async function main(): Promise<void> {
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) throw new Error(`no console build in ${CONSOLE_DIR}: run \`npm run build:console\` (or pass --console-dir)`);
  const testEnv = loadTestEnv();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-console-'));
  let gateway: ConsoleGateway | undefined;
  let baseline: BaselinePage | undefined;
  let browser: Browser | undefined;
  try {
    gateway = await startConsoleGateway({
      consoleDir: CONSOLE_DIR,
      pgAdminUrl: testEnv.TEST_PG_ADMIN_URL,
      database: flags.database,
      redisUrl: testEnv.TEST_REDIS_URL,
      adminKey: ADMIN_KEY,
      spans: Number(flags.spans),
      dir,
    });
    baseline = await startBaselinePage();
    // Running as root, Chromium refuses its sandbox; the pages it loads are ours, on loopback.
    browser = await chromium.launch({ executablePath: flags.chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] });

    const consoleUrl = `${gateway.baseUrl}/console/`;
    const scenarios: Scenario[] = [
      { name: 'baseline', url: baseline.url, watch: ['adminKeyInput'], verify: verifyAdminKeyInput },
      { name: 'signIn', url: consoleUrl, watch: ['adminKeyInput'], verify: verifyAdminKeyInput },
      { name: 'overview', url: consoleUrl, watch: ['overviewHeadings', 'overviewData', 'overviewCharts'], adminKey: ADMIN_KEY, verify: verifyOverview },
    ];
    for (let i = 0; i < WARMUP; i++) for (const s of scenarios) await load(browser, s);
    const trials = new Map<ScenarioName, Trial[]>(scenarios.map((s) => [s.name, []]));
    // Each round runs every scenario, in a rotating order, so a noisy moment on the machine hits each alike.
    for (let i = 0; i < TRIALS; i++) {
      for (let j = 0; j < scenarios.length; j++) {
        const s = scenarios[(i + j) % scenarios.length];
        trials.get(s.name)?.push(await load(browser, s));
      }
      process.stderr.write(`round ${i + 1}/${TRIALS}\n`);
    }

    const results = Object.fromEntries(scenarios.map((s) => [s.name, summarize(s, trials.get(s.name) ?? [])])) as Record<ScenarioName, ReturnType<typeof summarize>>;
    const floor = results.baseline.milestones.adminKeyInput.painted.medianMs;
    const ratio = (x: number) => Number((x / floor).toFixed(2));
    const signIn = results.signIn.milestones.adminKeyInput.painted;
    const overview = results.overview.milestones;
    const pass = { signIn: signIn.medianMs < TARGET.medianMs, overviewFirstRender: overview.overviewHeadings.painted.medianMs < TARGET.medianMs };
    const ratios = {
      signIn: ratio(signIn.medianMs),
      overviewFirstRender: ratio(overview.overviewHeadings.painted.medianMs),
      overviewData: ratio(overview.overviewData.painted.medianMs),
      overviewCharts: ratio(overview.overviewCharts.painted.medianMs),
    };

    const verdict = (ok: boolean) => (ok ? 'pass' : 'MISS');
    const bytes = (name: ScenarioName) => ({ jsKiB: kib(results[name].resources.js.transferBytes), cssKiB: kib(results[name].resources.css.transferBytes) });
    const navRows = (name: ScenarioName): ConsoleTableRow[] => [
      { scenario: name, milestone: 'domInteractive', spread: results[name].navigation.domInteractive },
      { scenario: name, milestone: 'first contentful paint', spread: results[name].firstContentfulPaint },
      { scenario: name, milestone: 'loadEventEnd', spread: results[name].navigation.loadEventEnd },
    ];
    const rows: ConsoleTableRow[] = [
      { scenario: 'baseline', milestone: 'Admin key input painted', spread: results.baseline.milestones.adminKeyInput.painted, ...bytes('baseline') },
      ...navRows('baseline'),
      { scenario: 'signIn', milestone: 'Admin key input painted', spread: signIn, vsBaseline: ratios.signIn, ...bytes('signIn'), verdict: verdict(pass.signIn) },
      ...navRows('signIn'),
      { scenario: 'overview', milestone: 'headings painted', spread: overview.overviewHeadings.painted, vsBaseline: ratios.overviewFirstRender, verdict: verdict(pass.overviewFirstRender) },
      { scenario: 'overview', milestone: 'panel data painted', spread: overview.overviewData.painted, vsBaseline: ratios.overviewData },
      { scenario: 'overview', milestone: 'charts painted', spread: overview.overviewCharts.painted, vsBaseline: ratios.overviewCharts, ...bytes('overview') },
      ...navRows('overview'),
    ];
    process.stderr.write(`\n${formatTable(rows)}\n\nms from navigation start, median of ${TRIALS} cold loads each; JS/CSS: bytes on the wire by the last milestone\n`);

    emitReport(
      'console-first-screen',
      {
        method: {
          trials: TRIALS,
          warmupRounds: WARMUP,
          browser: `${flags.chromium} ${browser.version()} headless (playwright-core), viewport ${VIEWPORT.width}×${VIEWPORT.height}`,
          coldLoad: 'a new browser context per load: empty HTTP cache, storage and connection pool; the servers are warm',
          order: 'every round runs the three scenarios in a rotating order',
          clock: "the page's performance.now() (0 at navigation start); each milestone is checked in the page on every DOM mutation and animation frame; painted = the start of the frame that shows it",
          switchyard: `dist/apps/gateway/src/main.js, NODE_ENV=production, serving ${CONSOLE_DIR} at /console/, a database of its own seeded with ${flags.spans} client spans over 24 h and a judge score for every fourth`,
          baseline: 'a static HTML page with one labelled input, from a bare node:http server on loopback, measured as signIn is',
          milestones: {
            adminKeyInput: 'the input labelled "Admin key" is visible and enabled (on the console: the main bundle has run and React rendered the sign-in page)',
            overviewHeadings: `signed in (admin key in sessionStorage; the console checks it with GET /admin/session first): the Overview h1 and the h2s ${PANELS.join(', ')} are visible`,
            overviewData: 'rows in the usage, quality and breakers tables and the exploration spend text are shown',
            overviewCharts: 'the usage charts (a lazy chunk) have drawn their canvases',
          },
        },
        scenarios: results,
        ratiosToBaseline: ratios,
        target: TARGET,
        pass: { ...pass, all: pass.signIn && pass.overviewFirstRender },
        logs: dir,
      },
      flags.out,
    );
  } finally {
    await browser?.close().catch(() => undefined);
    await baseline?.close().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    killAllChildren();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killAllChildren();
  process.exit(1);
});

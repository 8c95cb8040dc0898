import type { BrowserContext, Page } from 'playwright-core';

/**
 * What a load waits for. Each is checked in the page itself, so its time is the page's own clock
 * (`performance.now()`, 0 at navigation start) and not the harness's polling.
 *
 * - `adminKeyInput`: the input labelled "Admin key" is rendered, visible and enabled. On the console it
 *   exists only once the main bundle has run and React has rendered, so this is also "the JS has run".
 * - `overviewHeadings`: the Overview `<h1>` and the four panels' `<h2>`s are visible.
 * - `overviewData`: each panel shows its first data: rows in the usage, quality and breakers tables,
 *   and the exploration spend text.
 * - `overviewCharts`: the usage charts (a lazy chunk) have drawn their canvases.
 */
export type Milestone = 'adminKeyInput' | 'overviewHeadings' | 'overviewData' | 'overviewCharts';

export interface MilestoneMark {
  /** When the condition first held in the DOM (a mutation or a frame after it). */
  domMs: number;
  /** The start of the frame that paints it: the next animation frame after `domMs`, or `domMs` itself when seen during a frame. */
  frameMs: number;
}

export interface ByteCount {
  count: number;
  /** Bytes on the wire, headers included (PerformanceResourceTiming.transferSize). */
  transferBytes: number;
  /** Body bytes before decompression; the gateway does not compress, so equal to decoded here. */
  encodedBytes: number;
  decodedBytes: number;
}

export interface LoadMeasurement {
  marks: Partial<Record<Milestone, MilestoneMark>>;
  /** PerformanceNavigationTiming, ms from navigation start. */
  navigation: { responseStartMs: number; domInteractiveMs: number; domContentLoadedEndMs: number; loadEventEndMs: number; documentTransferBytes: number };
  firstContentfulPaintMs: number | null;
  resources: { js: ByteCount; css: ByteCount; api: ByteCount; other: ByteCount };
}

const PANELS = ['Cost and requests', 'Quality', 'Exploration spend', 'Breakers'];

/**
 * Runs before any of the page's own scripts (Playwright's init script) and records when each watched
 * milestone first holds: on every DOM mutation batch and on every animation frame (styles arriving
 * change visibility without a mutation). Plain JS: it runs in the page, not under our tsconfig.
 */
const probeScript = (watch: readonly Milestone[]): string => `(() => {
  if (!/^https?:$/.test(location.protocol)) return;
  const PANELS = ${JSON.stringify(PANELS)};
  const shown = (el) => !!el && el.isConnected && el.getClientRects().length > 0 && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  const byText = (selector, text) => Array.from(document.querySelectorAll(selector)).find((e) => e.textContent.trim() === text) || null;
  const panel = (title) => { const h = byText('h2', title); return h ? h.closest('section') : null; };
  const hasRows = (table) => shown(table) && table.querySelectorAll('tbody tr').length > 0;
  const checks = {
    adminKeyInput: () => { const l = byText('label', 'Admin key'); const c = l && l.control; return shown(c) && c.matches(':enabled'); },
    overviewHeadings: () => shown(byText('h1', 'Overview')) && PANELS.every((t) => shown(byText('h2', t))),
    overviewData: () => {
      const [usage, quality, exploration, breakers] = PANELS.map(panel);
      if (!usage || !quality || !exploration || !breakers) return false;
      const spend = exploration.querySelector('[data-testid="exploration-text"]');
      return hasRows(usage.querySelector('table')) && hasRows(quality.querySelector('table')) && hasRows(breakers.querySelector('table')) && shown(spend) && spend.textContent.trim() !== '';
    },
    overviewCharts: () => {
      const usage = panel(PANELS[0]);
      const charts = usage ? Array.from(usage.querySelectorAll('[data-testid="time-series-chart"]')) : [];
      return charts.length > 0 && charts.every((c) => shown(c) && c.querySelector('canvas') !== null);
    },
  };
  const state = { marks: {}, done: false };
  window.__firstScreen = state;
  const pending = new Set(${JSON.stringify(watch)});
  const unpainted = new Set();
  let inFrame = false;
  const finish = () => { if (pending.size === 0 && unpainted.size === 0) state.done = true; };
  const evaluate = () => {
    for (const name of Array.from(pending)) {
      let holds = false;
      try { holds = checks[name](); } catch { holds = false; }
      if (!holds) continue;
      pending.delete(name);
      const now = performance.now();
      const mark = { domMs: now, frameMs: inFrame ? now : null };
      state.marks[name] = mark;
      if (!inFrame) {
        unpainted.add(name);
        requestAnimationFrame(() => { mark.frameMs = performance.now(); unpainted.delete(name); finish(); });
      }
    }
    if (pending.size === 0) observer.disconnect();
    finish();
  };
  const observer = new MutationObserver(evaluate);
  observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  const frame = () => { inFrame = true; evaluate(); inFrame = false; if (pending.size > 0) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})();`;

/** Reads what the probe recorded, with navigation and resource timing, once the page says it is done. */
const READ_SCRIPT = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const zero = () => ({ count: 0, transferBytes: 0, encodedBytes: 0, decodedBytes: 0 });
  const resources = { js: zero(), css: zero(), api: zero(), other: zero() };
  for (const r of performance.getEntriesByType('resource')) {
    const path = new URL(r.name).pathname;
    const kind = path.endsWith('.js') ? 'js' : path.endsWith('.css') ? 'css' : r.initiatorType === 'fetch' || r.initiatorType === 'xmlhttprequest' ? 'api' : 'other';
    const k = resources[kind];
    k.count += 1; k.transferBytes += r.transferSize; k.encodedBytes += r.encodedBodySize; k.decodedBytes += r.decodedBodySize;
  }
  return {
    marks: window.__firstScreen.marks,
    navigation: { responseStartMs: nav.responseStart, domInteractiveMs: nav.domInteractive, domContentLoadedEndMs: nav.domContentLoadedEventEnd, loadEventEndMs: nav.loadEventEnd, documentTransferBytes: nav.transferSize },
    firstContentfulPaintMs: fcp ? fcp.startTime : null,
    resources,
  };
})()`;

/** Installs the probe in every document the context opens (before the page's scripts run). */
export async function installProbe(context: BrowserContext, watch: readonly Milestone[]): Promise<void> {
  await context.addInitScript({ content: probeScript(watch) });
}

/**
 * Resolves in the page once every watched milestone is painted, the load event has ended and the
 * first-contentful-paint entry is in (it is queued after the frame is presented; up to 1 s). One
 * evaluated expression (CDP's evaluate), not Playwright's waitForFunction: the console's CSP
 * forbids the eval that polling a string predicate needs.
 */
const untilDone = (timeoutMs: number): string => `new Promise((resolve, reject) => {
  const deadline = Date.now() + ${timeoutMs};
  let doneSince = null;
  const poll = () => {
    const s = window.__firstScreen;
    const nav = performance.getEntriesByType('navigation')[0];
    if (doneSince === null && s && s.done) doneSince = Date.now();
    const painted = performance.getEntriesByName('first-contentful-paint').length > 0;
    if (s && s.done && nav && nav.loadEventEnd > 0 && (painted || doneSince !== null && Date.now() - doneSince > 1000)) resolve(true);
    else if (Date.now() > deadline) reject(new Error('not done: ' + JSON.stringify(s ? s.marks : null)));
    else setTimeout(poll, 50);
  };
  poll();
})`;

/** Waits until the page is done (see untilDone), then reads the timings. */
export async function readProbe(page: Page, timeoutMs: number): Promise<LoadMeasurement> {
  await page.evaluate(untilDone(timeoutMs));
  return page.evaluate<LoadMeasurement>(READ_SCRIPT);
}

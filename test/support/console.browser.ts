import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium; `.ci/run` installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the console tests leave for people (and the README) to look at. */
export const ARTIFACTS = resolve('test-artifacts/console');

/** Builds the console with its own vite config into a fresh folder, so a test serves exactly this checkout's code. */
export async function buildConsole(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'switchyard-console-build-'));
  await promisify(execFile)(resolve('node_modules/.bin/vite'), ['build', '--config', 'apps/console/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { timeout: 120_000 });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`vite build left no index.html in ${outDir}`);
  return outDir;
}

export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  /** Console-side errors (uncaught exceptions, console.error) seen so far: a clean run has none. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Headless Chromium on one page, collecting the page's own errors. */
export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  // Running as root (CI) Chromium refuses its sandbox; the pages it loads are our own, on loopback.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    page,
    errors,
    async screenshot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => browser.close(),
  };
}

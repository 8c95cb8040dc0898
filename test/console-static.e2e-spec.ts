import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const INDEX = '<!doctype html><html><head><script type="module" src="/console/assets/app-abc.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("console app");';

const expectSecurityHeaders = (res: Response): void => {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toBe("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
};

describe('the review console at /console', () => {
  let h: GatewayHarness;
  let empty: GatewayHarness;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app-abc.js'), SCRIPT);
    // The build writes a compressed twin next to each asset (vite-plugin-compression2).
    writeFileSync(join(dir, 'assets', 'app-abc.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // The second gateway points at a folder with no build in it.
    [h, empty] = await Promise.all([startGatewayHarness({ console: { dir } }), startGatewayHarness({ console: { dir: mkdtempSync(join(tmpdir(), 'switchyard-console-empty-')) } })]);
  });
  afterAll(async () => {
    await Promise.all([h?.close(), empty?.close()]);
  });

  it('redirects /console to /console/', async () => {
    const res = await fetch(`${h.baseUrl}/console`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console/');
    expectSecurityHeaders(res);
  });

  it('serves index.html at /console/, uncached, without an admin key', async () => {
    const res = await fetch(`${h.baseUrl}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(res);
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable', async () => {
    const res = await fetch(`${h.baseUrl}/console/assets/app-abc.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(res);
    expect(await res.text()).toBe(SCRIPT);
  });

  it("sends an asset's pre-compressed twin to a client that accepts it, and the file itself otherwise", async () => {
    const br = await fetch(`${h.baseUrl}/console/assets/app-abc.js`, { headers: { 'accept-encoding': 'br' } });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(br.headers.get('content-type')).toMatch(/javascript/);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await br.text()).toBe(SCRIPT);

    const plain = await fetch(`${h.baseUrl}/console/assets/app-abc.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);
  });

  it('serves other files of the build, uncached', async () => {
    const res = await fetch(`${h.baseUrl}/console/favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it("answers index.html for the SPA's own routes, so a reload keeps the page", async () => {
    for (const path of ['/console/diffs/abc', '/console/spans', '/console/overview/usage?bucket=1h']) {
      const res = await fetch(`${h.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expectSecurityHeaders(res);
      expect(await res.text(), path).toBe(INDEX);
    }
  });

  it('answers a missing asset with the 404 envelope, not index.html', async () => {
    const res = await fetch(`${h.baseUrl}/console/assets/app-old.js`);
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
    const body: unknown = await res.json();
    schemas.assertValid('ErrorResponse', body);
    expect(JSON.stringify(body)).toContain('app-old.js');
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of ['/console/..%2f..%2fetc%2fpasswd', '/console/%2e%2e/%2e%2e/etc/passwd', '/console/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await fetch(`${h.baseUrl}${path}`);
      expect(await res.text(), path).not.toContain('root:');
    }
  });

  it('says how to build the console when its folder has no index.html', async () => {
    for (const path of ['/console/', '/console/diffs/abc']) {
      const res = await fetch(`${empty.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
      expectSecurityHeaders(res);
      const body: unknown = await res.json();
      schemas.assertValid('ErrorResponse', body);
      expect((body as { error: { message: string } }).error.message).toContain('npm run build:console');
    }
  });

  it('leaves the API routes as they were', async () => {
    const res = await fetch(`${h.baseUrl}/admin/session`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.loader.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const write = (extra: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-console-')), 'switchyard.yaml');
  writeFileSync(
    path,
    `providers: [{ name: up, protocol: openai, baseUrl: "http://127.0.0.1:1/v1" }]
models: [{ id: m1, provider: up, pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } }]
routing: { defaultRoute: m1 }
${extra}`,
  );
  return path;
};

describe('console.dir', () => {
  it("defaults to the repo's dist/console, wherever the config file and the working directory are", () => {
    expect(loadConfig({ SWITCHYARD_CONFIG: write('') }, tmpdir()).console.dir).toBe(join(REPO_ROOT, 'dist/console'));
  });

  it('resolves a relative folder against the config file, and keeps an absolute one', () => {
    const path = write('console: { dir: build/console }');
    expect(loadConfig({ SWITCHYARD_CONFIG: path }).console.dir).toBe(join(dirname(path), 'build/console'));
    expect(loadConfig({ SWITCHYARD_CONFIG: write('console: { dir: /srv/console }') }).console.dir).toBe('/srv/console');
  });

  it('refuses unknown keys', () => {
    expect(() => loadConfig({ SWITCHYARD_CONFIG: write('console: { path: x }') })).toThrow(ConfigError);
  });
});

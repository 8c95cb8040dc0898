import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.loader.js';

const write = (yaml: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'switchyard.yaml');
  writeFileSync(path, yaml);
  return path;
};

const valid = `
providers:
  - { name: up, protocol: openai, baseUrl: "http://127.0.0.1:1/v1", apiKeyEnv: UP_KEY }
models:
  - { id: m1, provider: up, pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } }
workloads: [{ name: support }]
routing:
  defaultModel: m1
  workloads: { support: [m1] }
`;

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('parses a valid file with defaults and resolves keys from env', () => {
    const cfg = loadConfig({ SWITCHYARD_CONFIG: write(valid), UP_KEY: 'k' });
    expect(cfg.port).toBe(8080);
    expect(cfg.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(cfg.providers[0]?.apiKey).toBe('k');
    expect(cfg.providers[0]?.timeouts.firstByteMs).toBe(60_000);
    expect(cfg.models[0]?.upstreamModel).toBe('m1');
    expect(cfg.databaseUrl).toBeUndefined();
  });

  it.each([
    ['a missing baseUrl', valid.replace(', baseUrl: "http://127.0.0.1:1/v1"', ''), 'providers.0.baseUrl: required for protocol "openai"'],
    ['an unknown protocol', valid.replace('protocol: openai', 'protocol: grpc'), 'providers.0.protocol'],
    ['a model on an unknown provider', valid.replace('provider: up,', 'provider: nope,'), 'models.0.provider: unknown provider "nope"'],
    ['a route to an unknown model', valid.replace('defaultModel: m1', 'defaultModel: m9'), 'routing.defaultModel: unknown model "m9"'],
    ['a route for an undeclared workload', valid.replace('{ support: [m1] }', '{ sales: [m1] }'), 'routing.workloads.sales'],
    ['a negative price', valid.replace('inputUsdPerMTok: 1', 'inputUsdPerMTok: -1'), 'models.0.pricing.inputUsdPerMTok'],
    ['an unknown key', `${valid}\nbogus: 1\n`, 'bogus'],
  ])('names the bad key for %s', (_name, yaml, expected) => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(yaml) }))).toContain(expected);
  });

  it('names a bad env var', () => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(valid), PORT: 'eighty' }))).toContain('PORT');
  });

  it('says where the file was looked for', () => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: '/nonexistent/switchyard.yaml' }))).toContain('/nonexistent/switchyard.yaml');
  });

  it('refuses to start in production without a provider key', () => {
    expect(errorOf(() => loadConfig({ SWITCHYARD_CONFIG: write(valid), NODE_ENV: 'production' }))).toContain('UP_KEY');
  });
});

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childProcessEnv, loadTestEnv } from '@switchyard/config';
import { createDatabase, ScoreRepository, SpanRepository } from '@switchyard/db';
import { loadOpenAiSchemas } from '@switchyard/testing';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/gateway.harness.js';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });

/**
 * The README's quick start, for real: the built launcher with no DATABASE_URL, so the gateway,
 * worker and optimizer share the embedded Postgres in SWITCHYARD_DATA_DIR.
 */
describe('npm start on the embedded database', () => {
  let launcher: ChildProcess;
  let port: number;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'pipe' });
    port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'switchyard-data-'));
    const env = childProcessEnv({ PORT: String(port), SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_CONFIG: 'switchyard.yaml', REDIS_URL: loadTestEnv().TEST_REDIS_URL, SWITCHYARD_REDIS_PREFIX: 'quick-start-e2e' });
    delete env['DATABASE_URL'];
    launcher = spawn(process.execPath, ['dist/apps/launcher/src/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    launcher.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(
      async () => {
        if (launcher.exitCode !== null) throw new Error(`launcher exited early:\n${output}`);
        return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      },
      60_000,
      'gateway ready',
    );
  }, 90_000);

  afterAll(async () => {
    if (launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it("answers the README's curl and has its span in the embedded Postgres within 1 s", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"auto","messages":[{"role":"user","content":"hi"}]}',
    });
    expect(res.status).toBe(200);
    const completion = (await res.json()) as ChatCompletion;
    loadOpenAiSchemas().assertValid('CreateChatCompletionResponse', completion);
    const spanId = res.headers.get('x-switchyard-span-id')!;

    // A recorded prompt gets the recorded answer and real token counts.
    const row = JSON.parse(readFileSync('datasets/demo.fleet.jsonl', 'utf8').split('\n')[0] ?? '') as { messages: unknown };
    const recorded = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: row.messages }),
    });
    expect(recorded.status).toBe(200);
    const recordedSpanId = recorded.headers.get('x-switchyard-span-id')!;
    const answeredAt = Date.now();

    const lock = JSON.parse(readFileSync(join(dataDir, 'pg.lock'), 'utf8')) as { host: string; port: number };
    const database = createDatabase(`postgres://postgres@${lock.host}:${lock.port}/postgres`);
    try {
      const spans = new SpanRepository(database.db);
      let found = await spans.findById(recordedSpanId);
      while (!found && Date.now() - answeredAt < 1_000) {
        await new Promise((r) => setTimeout(r, 20));
        found = await spans.findById(recordedSpanId);
      }
      expect(found, 'span persisted within 1 s').toBeDefined();
      expect(found!.inputTokens).toBeGreaterThan(0);
      expect(found!.outputTokens).toBeGreaterThan(0);
      expect(found!.costUsd).toBeGreaterThan(0);
      const hi = await spans.findById(spanId);
      expect(hi?.status).toBe('ok');
      expect(hi?.inputTokens).toBeGreaterThan(0);
      expect(hi?.outputTokens).toBeGreaterThan(0);
      expect(hi?.costUsd).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
    expect(output).toContain('worker');
    expect(output).toContain('optimizer');
  });

  it('judges a sample of the calls with the simulated judge, scores stored by span id', async () => {
    // At the demo's 10% sample rate, 100 calls leave none judged with probability 0.9^100 ≈ 3e-5.
    const rows = readFileSync('datasets/demo.fleet.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 100).map((line) => JSON.parse(line) as { messages: unknown });
    const spanIds: string[] = [];
    for (const row of rows) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: row.messages }),
      });
      expect(res.status).toBe(200);
      await res.text();
      spanIds.push(res.headers.get('x-switchyard-span-id')!);
    }
    const lock = JSON.parse(readFileSync(join(dataDir, 'pg.lock'), 'utf8')) as { host: string; port: number };
    const database = createDatabase(`postgres://postgres@${lock.host}:${lock.port}/postgres`);
    try {
      const scores = new ScoreRepository(database.db);
      const spans = new SpanRepository(database.db);
      let judged: Awaited<ReturnType<ScoreRepository['forSpan']>> = [];
      await eventually(
        async () => {
          for (const spanId of spanIds) judged.push(...(await scores.forSpan(spanId)).filter((s) => s.source === 'judge'));
          if (judged.length > 0) return true;
          judged = [];
          return false;
        },
        30_000,
        'a judge score',
      );
      expect(judged[0]).toMatchObject({ scorer: 'judge:helpfulness', status: 'ok' });
      expect([0, 1]).toContain(judged[0]?.score);
      const judgeSpan = await spans.findById(judged[0]?.judgeSpanId ?? '');
      expect(judgeSpan).toMatchObject({ model: 'replay-judge', origin: 'judge', internal: true });
    } finally {
      await database.close();
    }
  }, 60_000);
});

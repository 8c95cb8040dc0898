import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createDatasetVersionResponseSchema,
  datasetItemListResponseSchema,
  datasetListResponseSchema,
  datasetVersionListResponseSchema,
  datasetVersionResponseSchema,
} from '@switchyard/contracts';
import { DatasetRepository, type DatabaseHandle, SpanRepository } from '@switchyard/db';
import { buildSpanRow, createTestDatabase, loadOpenAiSchemas } from '@switchyard/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetsAdminModule } from '../apps/gateway/src/admin/datasets/datasets-admin.module.js';
import { DATASET_LIMITS, type DatasetLimits } from '../apps/gateway/src/admin/datasets/datasets-admin.tokens.js';
import { ADMIN_KEY as ADMIN_KEY_TOKEN } from '../apps/gateway/src/admin/policy-admin.tokens.js';
import { OpenAiErrorFilter } from '../apps/gateway/src/errors/openai-error.filter.js';
import { installBodyParsers } from '../apps/gateway/src/gateway.bootstrap.js';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const freshName = (): string => `e2e-${randomBytes(5).toString('hex')}`;

interface Reply {
  status: number;
  json: unknown;
}
interface IssueEnvelope {
  error: { message: string; code: string | null; issues: { line: number; reason: string }[]; issue_count: number };
}

async function send(baseUrl: string, method: 'GET' | 'POST', path: string, init: { body?: string | Buffer | FormData; contentType?: string; key?: string | null } = {}): Promise<Reply> {
  const key = init.key === undefined ? ADMIN_KEY : init.key;
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(init.contentType && { 'content-type': init.contentType }), 'x-switchyard-actor': 'e2e' },
    body: init.body,
  });
  return { status: res.status, json: (await res.json()) };
}

const jsonl = (items: unknown[]): string => `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;

describe('dataset uploads over real HTTP', () => {
  let h: GatewayHarness;
  let db: DatabaseHandle;
  let dir: string;

  beforeAll(async () => {
    h = await startGatewayHarness({ bodyLimitBytes: 64 * 1024 });
    db = createTestDatabase({ max: 2 });
    dir = mkdtempSync(join(tmpdir(), 'switchyard-datasets-'));
  });
  afterAll(async () => {
    await h.close();
    await db.close();
  });

  const post = (path: string, body: string | Buffer, contentType?: string): Promise<Reply> => send(h.baseUrl, 'POST', path, { body, contentType });
  const get = (path: string): Promise<Reply> => send(h.baseUrl, 'GET', path);
  const stored = async (name: string): Promise<{ datasets: number; versions: number; items: number }> => {
    const { rows } = await db.db.execute<{ datasets: number; versions: number; items: number }>(sql`
      select (select count(*)::int from datasets where name = ${name}) as datasets,
             (select count(*)::int from dataset_versions v join datasets d on d.id = v.dataset_id where d.name = ${name}) as versions,
             (select count(*)::int from dataset_items i join dataset_versions v on v.id = i.dataset_version_id join datasets d on d.id = v.dataset_id where d.name = ${name}) as items`);
    return rows[0];
  };

  it('refuses a 10,000-line file with one bad line whole, naming the line; then versions the fixed file once per content', async () => {
    const name = freshName();
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({ input: [{ role: 'user', content: `What is ${i} + ${i}?` }], expected: String(2 * i), workload: 'math', metadata: { i } }),
    );
    const good = `${lines.join('\n')}\n`;
    lines[7_430] = JSON.stringify({ input: [{ role: 'robot', content: 'beep' }], expected: 'x' });
    const badPath = join(dir, 'bad.jsonl');
    writeFileSync(badPath, `${lines.join('\n')}\n`);

    const refused = await post(`/admin/datasets/${name}/versions`, readFileSync(badPath), 'application/x-ndjson');
    expect(refused.status).toBe(422);
    schemas.assertValid('ErrorResponse', refused.json);
    const envelope = refused.json as IssueEnvelope;
    expect(envelope.error.code).toBe('invalid_dataset');
    expect(envelope.error.issues).toEqual([{ line: 7_431, reason: expect.stringContaining('input[0].role') as unknown }]);
    expect(envelope.error.issue_count).toBe(1);
    expect(envelope.error.message).toContain('line 7431');
    expect(await stored(name)).toEqual({ datasets: 0, versions: 0, items: 0 });

    const first = await post(`/admin/datasets/${name}/versions?description=Arithmetic&scorer=exact`, good, 'application/x-ndjson');
    expect(first.status).toBe(201);
    const v1 = createDatasetVersionResponseSchema.parse(first.json);
    expect(v1).toMatchObject({ dataset: name, version: 1, itemCount: 10_000, created: true, scorer: { name: 'exact', options: {} }, createdBy: 'e2e' });

    const again = await post(`/admin/datasets/${name}/versions`, good, 'application/x-ndjson');
    expect(again.status).toBe(200);
    expect(createDatasetVersionResponseSchema.parse(again.json)).toEqual({ ...v1, created: false });

    const changed = await post(`/admin/datasets/${name}/versions`, good.replace('What is 0 + 0?', 'What is zero plus zero?'), 'application/x-ndjson');
    expect(changed.status).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(changed.json)).toMatchObject({ version: 2, created: true, itemCount: 10_000, scorer: null });
    expect(await stored(name)).toEqual({ datasets: 1, versions: 2, items: 20_000 });

    // Reading back: the list, the versions, one version (latest by default), and its items page by page.
    const listed = datasetListResponseSchema.parse((await get('/admin/datasets')).json).data.find((d) => d.name === name);
    expect(listed).toMatchObject({ description: 'Arithmetic', latestVersion: 2, versionCount: 2 });
    expect(datasetVersionListResponseSchema.parse((await get(`/admin/datasets/${name}/versions`)).json).data.map((v) => v.version)).toEqual([2, 1]);
    expect(datasetVersionResponseSchema.parse((await get(`/admin/datasets/${name}/versions/1`)).json).id).toBe(v1.id);
    expect(datasetVersionResponseSchema.parse((await get(`/admin/datasets/${name}/versions/latest`)).json).version).toBe(2);
    const page = datasetItemListResponseSchema.parse((await get(`/admin/datasets/${name}/versions/1/items?offset=9998&limit=5`)).json);
    expect(page).toMatchObject({ offset: 9_998, limit: 5, total: 10_000, hasMore: false });
    expect(page.data.map((i) => [i.position, i.expected, i.workload])).toEqual([
      [9_998, '19996', 'math'],
      [9_999, '19998', 'math'],
    ]);
    expect((await get(`/admin/datasets/${name}/versions/1/items?limit=2`)).json).toMatchObject({ hasMore: true, data: [{ position: 0 }, { position: 1 }] });

    for (const [path, code] of [
      [`/admin/datasets/${freshName()}/versions`, 'dataset_not_found'],
      [`/admin/datasets/${name}/versions/3`, 'dataset_version_not_found'],
      [`/admin/datasets/${name}/versions/latest/items?limit=5000`, 'invalid_value'],
    ] as const) {
      const res = await get(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.json).toMatchObject({ error: { code } });
    }
  });

  it('takes CSV: a header row, quoted multi-line cells, text cells, JSON metadata; bad rows named by file line', async () => {
    const name = freshName();
    const csv = ['input,expected,workload,metadata', '"Say ""hi""",hi,greet,"{""lang"": ""en""}"', '"two', 'lines",42,,', 'plain,,,'].join('\n');
    const res = await post(`/admin/datasets/${name}/versions`, csv, 'text/csv');
    expect(res.status).toBe(201);
    const items = datasetItemListResponseSchema.parse((await get(`/admin/datasets/${name}/versions/1/items`)).json).data;
    expect(items.map((i) => ({ input: i.input, expected: i.expected, workload: i.workload, metadata: i.metadata }))).toEqual([
      { input: 'Say "hi"', expected: 'hi', workload: 'greet', metadata: { lang: 'en' } },
      // A cell is text: "42" stays a string.
      { input: 'two\nlines', expected: '42', workload: null, metadata: {} },
      { input: 'plain', expected: null, workload: null, metadata: {} },
    ]);

    const bad = ['input,expected,metadata', 'ok,fine,', '"multi', 'line",x,not json', ',empty input,', 'a,b'].join('\n');
    const refused = await post(`/admin/datasets/${freshName()}/versions?format=csv`, bad, 'text/plain');
    expect(refused.status).toBe(422);
    expect((refused.json as IssueEnvelope).error.issues.map((i) => i.line)).toEqual([3, 5, 6]);
    const header = await post(`/admin/datasets/${freshName()}/versions`, 'prompt,answer\nx,y\n', 'text/csv');
    expect((header.json as IssueEnvelope).error.issues).toEqual([{ line: 1, reason: expect.stringContaining("'prompt'") as unknown }, { line: 1, reason: "missing the 'input' column" }]);
  });

  it('takes a JSON array, naming bad elements by the line they start on', async () => {
    const name = freshName();
    const good = [{ input: 'a' }, { input: [{ role: 'user', content: 'b' }], expected: { answer: 1 } }];
    const res = await post(`/admin/datasets/${name}/versions`, JSON.stringify(good, null, 2), 'application/json');
    expect(res.status).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(res.json).itemCount).toBe(2);
    // The same items as JSONL are the same content.
    const asJsonl = await post(`/admin/datasets/${name}/versions`, jsonl(good), 'application/x-ndjson');
    expect(asJsonl.status).toBe(200);

    const bad = '[\n  {"input": "ok"},\n  {"input": "",\n   "x": 1},\n  {"input": "fine"}, {"nope": true}\n]';
    const refused = await post(`/admin/datasets/${freshName()}/versions`, bad, 'application/json');
    expect((refused.json as IssueEnvelope).error.issues.map((i) => i.line)).toEqual([3, 5]);
    expect((refused.json as IssueEnvelope).error.issues[0]?.reason).toMatch(/'input'.*'x'/);
    const notArray = await post(`/admin/datasets/${freshName()}/versions`, '{"input": "a"}', 'application/json');
    expect(notArray.status).toBe(422);
  });

  it('takes a multipart file, its format from the file name', async () => {
    const name = freshName();
    const form = new FormData();
    form.append('note', 'ignored');
    form.append('file', new Blob([jsonl([{ input: 'one' }, { input: 'two' }])], { type: 'application/octet-stream' }), 'prompts.jsonl');
    const res = await send(h.baseUrl, 'POST', `/admin/datasets/${name}/versions`, { body: form });
    expect(res.status).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(res.json).itemCount).toBe(2);
    // Larger than the gateway's JSON body limit, which the upload route does not use.
    const big = jsonl(Array.from({ length: 2_000 }, (_, i) => ({ input: `prompt ${i} ${'x'.repeat(40)}` })));
    expect(big.length).toBeGreaterThan(h.config.bodyLimitBytes);
    expect((await post(`/admin/datasets/${name}/versions`, big, 'application/x-ndjson')).status).toBe(201);
  });

  it('refuses requests without the admin key, unknown formats and empty files, in the envelope', async () => {
    const name = freshName();
    const unauthorized = await send(h.baseUrl, 'POST', `/admin/datasets/${name}/versions`, { body: 'x', contentType: 'text/csv', key: null });
    expect(unauthorized.status).toBe(401);
    const unknown = await post(`/admin/datasets/${name}/versions`, '{"input":"a"}', 'text/plain');
    expect(unknown.status).toBe(415);
    schemas.assertValid('ErrorResponse', unknown.json);
    expect((await post(`/admin/datasets/${name}/versions`, '\n\n', 'application/x-ndjson')).json).toMatchObject({ error: { code: 'empty_dataset' } });
    expect((await post(`/admin/datasets/Bad Name/versions`, 'x', 'text/csv')).status).toBe(400);
    expect(await stored(name)).toEqual({ datasets: 0, versions: 0, items: 0 });
  });

  it('makes a version from logged spans, by id or by filter', async () => {
    const workload = `wl-${randomBytes(4).toString('hex')}`;
    const at = (s: number): Date => new Date(Date.now() - 60_000 + s * 1_000);
    const messages = (text: string) => [{ role: 'user', content: text }];
    const answer = (text: string) => ({ choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] });
    const spans = [
      buildSpanRow({ workload, model: 'gpt-a', startedAt: at(1), redaction: 'full', requestBody: { model: 'auto', messages: messages('q1') }, responseBody: answer('a1') }),
      buildSpanRow({ workload, model: 'gpt-b', startedAt: at(2), redaction: 'full', requestBody: { model: 'auto', messages: messages('q2') }, responseBody: answer('a2') }),
      buildSpanRow({ workload, model: 'gpt-a', startedAt: at(3), redaction: 'metadata-only' }),
    ];
    await new SpanRepository(db.db).insertMany(spans);
    const [s1, s2, redacted] = spans.map((s) => s.spanId);

    const name = freshName();
    const byId = await post(`/admin/datasets/${name}/versions/from-spans`, JSON.stringify({ spanIds: [s2, s1], useResponseAsExpected: true, scorer: { name: 'exact' } }), 'application/json');
    expect(byId.status).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(byId.json)).toMatchObject({ version: 1, itemCount: 2, scorer: { name: 'exact', options: {} } });
    const items = datasetItemListResponseSchema.parse((await get(`/admin/datasets/${name}/versions/1/items`)).json).data;
    expect(items.map((i) => ({ input: i.input, expected: i.expected, workload: i.workload, spanId: i.spanId, metadata: i.metadata }))).toEqual([
      { input: messages('q2'), expected: 'a2', workload, spanId: s2, metadata: { model: 'gpt-b' } },
      { input: messages('q1'), expected: 'a1', workload, spanId: s1, metadata: { model: 'gpt-a' } },
    ]);

    const refused = await post(`/admin/datasets/${freshName()}/versions/from-spans`, JSON.stringify({ spanIds: [s1, redacted, 'ffffffffffffffff'] }), 'application/json');
    expect(refused.status).toBe(422);
    expect((refused.json as IssueEnvelope).error.issues).toEqual([
      { line: 2, reason: expect.stringContaining("redaction 'metadata-only'") as unknown },
      { line: 3, reason: "no span 'ffffffffffffffff'" },
    ]);

    const byFilter = await post(`/admin/datasets/${freshName()}/versions/from-spans`, JSON.stringify({ filter: { workload, model: 'gpt-a', limit: 10 } }), 'application/json');
    expect(byFilter.status).toBe(201);
    expect(createDatasetVersionResponseSchema.parse(byFilter.json).itemCount).toBe(1);
    const nothing = await post(`/admin/datasets/${freshName()}/versions/from-spans`, JSON.stringify({ filter: { workload: 'no-such-workload', limit: 10 } }), 'application/json');
    expect(nothing.json).toMatchObject({ error: { code: 'empty_dataset' } });
    const both = await post(`/admin/datasets/${freshName()}/versions/from-spans`, JSON.stringify({ spanIds: [s1], filter: { limit: 1 } }), 'application/json');
    expect(both.status).toBe(400);
  });

  it('uploads, lists and shows datasets from the CLI', async () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['scripts/switchyard-cli.mjs', ...args, '--url', h.baseUrl, '--admin-key', ADMIN_KEY]);
    const name = freshName();
    const file = join(dir, 'cli.csv');
    writeFileSync(file, 'input,expected\nwhat is 2+2?,4\nwhat is 3+3?,6\n');

    expect((await cli('datasets', 'upload', file, '--name', name, '--scorer', 'exact')).stdout).toMatch(new RegExp(`^created ${name} v1: 2 items, scorer exact`));
    expect((await cli('datasets', 'upload', file, '--name', name)).stdout).toMatch(/^unchanged, same items as .* v1/);
    expect((await cli('datasets', 'list')).stdout).toContain(`${name}\tlatest v1`);
    const shown = (await cli('datasets', 'show', name, '--version', '1', '--items', '1')).stdout;
    expect(shown).toContain('{"input":"what is 2+2?","expected":"4","workload":null,"metadata":{}}');
    expect(shown).toContain('… 1 more');

    writeFileSync(file, 'input,expected\n,4\n');
    const failed = await cli('datasets', 'upload', file, '--name', name).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('line 2: ');
  });

  it('still serves chat completions with their JSON body parsing', async () => {
    const res = await h.client.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBeTruthy();
  });
});

@Module({ providers: [{ provide: APP_FILTER, useClass: OpenAiErrorFilter }] })
class ErrorFilterModule {}

describe('dataset upload limits over real HTTP', () => {
  const limits: DatasetLimits = { maxBytes: 4 * 1024, maxItems: 5 };
  let app: NestFastifyApplication;
  let db: DatabaseHandle;
  let baseUrl: string;

  beforeAll(async () => {
    db = createTestDatabase({ max: 2 });
    const module = DatasetsAdminModule.register({
      providers: [
        { provide: ADMIN_KEY_TOKEN, useValue: ADMIN_KEY },
        { provide: DatasetRepository, useValue: new DatasetRepository(db.db) },
        { provide: SpanRepository, useValue: new SpanRepository(db.db) },
        { provide: DATASET_LIMITS, useValue: limits },
      ],
    });
    app = await NestFactory.create<NestFastifyApplication>({ module: ErrorFilterModule, imports: [module] }, new FastifyAdapter({ bodyLimit: 1024 }), { bodyParser: false, logger: false });
    await installBodyParsers(app, { bodyLimit: 1024, uploadBodyLimit: app.get<DatasetLimits>(DATASET_LIMITS, { strict: false }).maxBytes });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('answers 413 request_too_large past the byte limit, raw or multipart, and stores nothing', async () => {
    const name = freshName();
    const big = jsonl([{ input: 'x'.repeat(5 * 1024) }]);
    const raw = await send(baseUrl, 'POST', `/admin/datasets/${name}/versions`, { body: big, contentType: 'application/x-ndjson' });
    expect(raw.status).toBe(413);
    expect(raw.json).toMatchObject({ error: { code: 'request_too_large' } });
    const form = new FormData();
    form.append('file', new Blob([big]), 'big.jsonl');
    const multipart = await send(baseUrl, 'POST', `/admin/datasets/${name}/versions`, { body: form });
    expect(multipart.status).toBe(413);
    expect(multipart.json).toMatchObject({ error: { code: 'request_too_large' } });
    // Under the upload limit but over the JSON one: accepted.
    expect((await send(baseUrl, 'POST', `/admin/datasets/${name}/versions`, { body: jsonl([{ input: 'y'.repeat(2 * 1024) }]), contentType: 'application/x-ndjson' })).status).toBe(201);
  });

  it('answers 422 too_many_items past the item limit, in every format', async () => {
    const six = Array.from({ length: 6 }, (_, i) => ({ input: `q${i}` }));
    for (const [body, contentType] of [
      [jsonl(six), 'application/x-ndjson'],
      [JSON.stringify(six), 'application/json'],
      [['input', ...six.map((i) => i.input)].join('\n'), 'text/csv'],
    ] as const) {
      const res = await send(baseUrl, 'POST', `/admin/datasets/${freshName()}/versions`, { body, contentType });
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ error: { code: 'too_many_items' } });
    }
    expect((await send(baseUrl, 'POST', `/admin/datasets/${freshName()}/versions`, { body: jsonl(six.slice(1)), contentType: 'application/x-ndjson' })).status).toBe(201);
    const fromSpans = await send(baseUrl, 'POST', `/admin/datasets/${freshName()}/versions/from-spans`, { body: JSON.stringify({ filter: { limit: 6 } }), contentType: 'application/json' });
    expect(fromSpans.json).toMatchObject({ error: { code: 'too_many_items' } });
  });
});

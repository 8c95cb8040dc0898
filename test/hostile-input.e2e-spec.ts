import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tenantSchema, virtualKeyWithSecretResponseSchema } from '@switchyard/contracts';
import { seededRng } from '@switchyard/routing';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from './support/admin.client.js';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

/**
 * Issue 6's hostile-input fuzz: 2,000 seeded malformed or hostile requests against
 * /v1/chat/completions and the admin API, on an `auth: open` gateway (bodies reach validation) and
 * an `auth: keys` one. Every answer must be a 4xx in the OpenAI error envelope; nothing may answer
 * 5xx, hang or take the process down, and memory must come back to where it was.
 */

const schemas = loadOpenAiSchemas();
const SEED = 0x5eed_f022;
const TOTAL = 2_000;
const CONCURRENCY = 16;
const BODY_LIMIT = 256 * 1024;
const ANSWER_TIMEOUT_MS = 15_000;

type Target = 'open' | 'keys';
/** `key`: the keys gateway's unlimited virtual key; `tight`: one allowed 1 token a minute, so every call it makes is refused after routing. */
type Auth = 'key' | 'tight' | 'admin' | 'none' | { header: string };

interface FuzzRequest {
  category: string;
  summary: string;
  target: Target;
  method: string;
  /** Sent as is: Node's client does not normalise `..` or percent escapes. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  auth?: Auth;
  /** Bytes written verbatim to a fresh socket, for what Node's client refuses to send (CRLF in a header, bad framing). */
  raw?: Buffer;
  /** The statuses this request may get; any 4xx when absent. */
  expect?: readonly number[];
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface Secrets {
  key: string;
  tight: string;
  /** A tenant and a key of its own that bad-actor changes aim at: they must come through untouched. */
  victimTenantId: string;
  victimKeyId: string;
}

/** Names the bad-actor creations use; none may exist after the run. */
const VICTIM_PREFIX = 'fuzz-actor-';
const DUMMY_SECRETS: Secrets = { key: 'k', tight: 't', victimTenantId: 'tn_0000000000victim', victimKeyId: 'vk_0000000000victim' };

// ---------------------------------------------------------------------------------------------
// The generator: deterministic for a seed, and lazy, so the requests (some are 300 KB) are not all
// held in memory at once while the heap is measured.

class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRng(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  text(n: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Body = Record<string, Json>;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
/** JSON with one value that JSON.stringify cannot produce (NaN, Infinity, 1e999, a raw token). */
const RAW = '\u0000RAW\u0000';
const jsonWithRaw = (value: unknown, token: string): Buffer => Buffer.from(JSON.stringify(value).replace(JSON.stringify(RAW), token), 'utf8');

const CHAT_MODELS = ['gpt-a', 'gpt-b', 'auto', 'with-fallback'] as const;
const validChat = (r: Rand): Body => ({ model: r.pick(CHAT_MODELS), messages: [{ role: 'user', content: r.pick(['hi', 'What is 2 + 2?', 'Say hello.']) }] });
const big = (n: number, ch = 'x'): string => ch.repeat(n);
const without = (b: Body, key: string): Body => Object.fromEntries(Object.entries(b).filter(([k]) => k !== key));
const nested = (depth: number, open: string, close: string, core = ''): string => open.repeat(depth) + core + close.repeat(depth);

const WRONG_TOP_LEVEL: ReadonlyArray<readonly [string, readonly unknown[]]> = [
  ['model', [42, ['gpt-a'], null, {}, true, '', big(257), { id: 'gpt-a' }, 0]],
  ['messages', ['hi', {}, { role: 'user', content: 'hi' }, [], [1, 2], ['hi'], [null], [[]], null, 42, true, [{}]]],
  ['temperature', ['0.5', -1, 2.5, true, [], {}, '', 3e300, -0.0001, RAW]],
  ['top_p', [1.5, -0.1, '1', [], {}, false]],
  ['n', [-1, 0, 1.5, 129, '2', [], 1e10, RAW]],
  ['stop', [{}, [1], ['a', 'b', 'c', 'd', 'e'], 5, [null], true, [[]], [{}]]],
  ['presence_penalty', [3, -3, 'x', [], {}]],
  ['frequency_penalty', [2.01, -2.01, 'high', true]],
  ['logit_bias', [[], 'x', { 50256: 101 }, { 1: 'x' }, 5, { 1: -100.5 }]],
  ['logprobs', ['yes', 1, [], {}]],
  ['top_logprobs', [21, -1, 0.5, 'x']],
  ['seed', [1.5, 'x', 2 ** 60, [], {}, RAW]],
  ['user', [5, big(513), [], {}, null]],
  ['metadata', [[], 'x', { k: 5 }, { [big(65)]: 'v' }, { k: big(513) }, 7, { k: null }]],
  ['tools', ['x', {}, [{}], [{ type: 'function' }], [{ type: 'function', function: { name: 'bad name!' } }], [{ type: 'retrieval' }], [{ type: 'function', function: { name: 'f', parameters: 'x' } }], [{ type: 'function', function: { name: 'f', parameters: [] } }], [{ type: 'function', function: { name: big(65) } }], null]],
  ['tool_choice', ['sometimes', 5, { type: 'function' }, { type: 'function', function: {} }, { type: 'function', function: { name: '' } }, [], null]],
  ['parallel_tool_calls', ['true', 1, [], null]],
  ['response_format', ['json', { type: 'xml' }, { type: 'json_schema' }, { type: 'json_schema', json_schema: { name: '' } }, { type: 'json_schema', json_schema: { name: 'x', schema: 'str' } }, [], 5, null]],
  ['stream', ['true', 1, {}, []]],
  ['stream_options', ['x', { include_usage: 'yes' }, [], 5]],
];

const WRONG_MESSAGES: readonly unknown[][] = [
  [{ role: 'wizard', content: 'x' }],
  [{ role: 42, content: 'x' }],
  [{ role: null, content: 'x' }],
  [{ role: '', content: 'x' }],
  [{ role: 'USER', content: 'x' }],
  [{ role: 'user ', content: 'x' }],
  [{ role: ['user'], content: 'x' }],
  [{ role: 'user', content: 42 }],
  [{ role: 'user', content: { text: 'hi' } }],
  [{ role: 'user', content: [{ type: 'text' }] }],
  [{ role: 'user', content: [{ type: 'text', text: 5 }] }],
  [{ role: 'user', content: [{ type: 'image_url' }] }],
  [{ role: 'user', content: [{ type: 'image_url', image_url: { url: '' } }] }],
  [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x', detail: 'ultra' } }] }],
  [{ role: 'user', content: [] }],
  [{ role: 'user', content: [[{ type: 'text', text: 'hi' }]] }],
  [{ role: 'user', content: [{ type: 'video', video: 'x' }] }],
  [{ role: 'user', content: true }],
  [{ role: 'user', content: null }],
  [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'http://x' } }] }],
  [{ role: 'system', content: 5 }],
  [{ role: 'assistant', content: 5 }],
  [{ role: 'assistant', content: null, tool_calls: 'x' }],
  [{ role: 'assistant', content: null, tool_calls: [{ id: '', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
  [{ role: 'assistant', content: null, tool_calls: [{ type: 'function' }] }],
  [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: {} } }] }],
  [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'code', function: { name: 'f', arguments: '{}' } }] }],
  [{ role: 'tool', content: 'x', tool_call_id: 5 }],
  [{ role: 'tool', content: 'x', tool_call_id: '' }],
  [{ role: 'function', content: 'x', name: '' }],
  [{ role: 'user', content: 'x', name: 5 }],
  [{ role: 'user', content: 'x' }, 'second'],
  [{ role: 'user', content: 'x' }, null],
  [{ role: 'user', content: 'x' }, { role: 'user' }],
  [{ role: 'user', content: 'a\u0000b' }],
  [{ role: 'user', content: [{ type: 'text', text: '\u0000' }] }],
];

const MISSING: readonly (readonly [string, (b: Body) => Body])[] = [
  ['model', (b) => without(b, 'model')],
  ['messages', (b) => without(b, 'messages')],
  ['model and messages', () => ({})],
  ['messages[0].role', (b) => ({ ...b, messages: [{ content: 'hi' }] })],
  ['messages[0].content (user)', (b) => ({ ...b, messages: [{ role: 'user' }] })],
  ['messages[0].content (system)', (b) => ({ ...b, messages: [{ role: 'system' }] })],
  ['messages[0].tool_call_id', (b) => ({ ...b, messages: [{ role: 'tool', content: 'x' }] })],
  ['messages[0].name (function)', (b) => ({ ...b, messages: [{ role: 'function', content: 'x' }] })],
  ['tool_calls[0].id', (b) => ({ ...b, messages: [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }] })],
  ['tool_calls[0].function', (b) => ({ ...b, messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function' }] }] })],
  ['tools[0].function', (b) => ({ ...b, tools: [{ type: 'function' }] })],
  ['tools[0].function.name', (b) => ({ ...b, tools: [{ type: 'function', function: { description: 'd' } }] })],
  ['tools[0].type', (b) => ({ ...b, tools: [{ function: { name: 'f' } }] })],
  ['response_format.type', (b) => ({ ...b, response_format: {} })],
  ['response_format.json_schema', (b) => ({ ...b, response_format: { type: 'json_schema' } })],
  ['json_schema.name', (b) => ({ ...b, response_format: { type: 'json_schema', json_schema: { schema: {} } } })],
  ['image_url', (b) => ({ ...b, messages: [{ role: 'user', content: [{ type: 'image_url' }] }] })],
  ['image_url.url', (b) => ({ ...b, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] })],
  ['text part text', (b) => ({ ...b, messages: [{ role: 'user', content: [{ type: 'text' }] }] })],
  ['tool_choice.function', (b) => ({ ...b, tool_choice: { type: 'function' } })],
  ['everything but vendor fields', () => ({ guided_json: { type: 'object' }, foo: 'bar' })],
];

const BAD_TOKEN_COUNTS: readonly (readonly [string, string])[] = [
  ['-1', '-1'],
  ['-5', '-5'],
  ['0', '0'],
  ['-0.5', '-0.5'],
  ['1.5', '1.5'],
  ['0.0001', '0.0001'],
  ['1e6 (beyond every context window)', '1000000'],
  ['2^31 - 1', String(2 ** 31 - 1)],
  ['2^31', String(2 ** 31)],
  ['2^53', String(2 ** 53)],
  ['1e15', '1e15'],
  ['1e300', '1e300'],
  ['1e999 (Infinity)', '1e999'],
  ['-1e999', '-1e999'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['"100"', '"100"'],
  ['true', 'true'],
  ['[]', '[]'],
  ['{}', '{}'],
  ['[100]', '[100]'],
  ['-9007199254740993', '-9007199254740993'],
  ['0x10', '0x10'],
  ['+5', '+5'],
  ['05', '05'],
];

const INVALID_UTF8: readonly (readonly [string, number[]])[] = [
  ['0xff', [0xff]],
  ['0xfe 0xff', [0xfe, 0xff]],
  ['lone continuation 0x80', [0x80]],
  ['overlong slash c0 af', [0xc0, 0xaf]],
  ['overlong e0 80 af', [0xe0, 0x80, 0xaf]],
  ['surrogate ed a0 80', [0xed, 0xa0, 0x80]],
  ['five-byte f8 88 80 80 80', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['beyond U+10FFFF f4 90 80 80', [0xf4, 0x90, 0x80, 0x80]],
  ['truncated two-byte c3', [0xc3]],
  ['truncated three-byte e2 82', [0xe2, 0x82]],
  ['latin-1 e9', [0xe9]],
];

const TRAVERSAL_NAMES: readonly string[] = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e',
  '..',
  '.',
  '..%5c..%5cwindows%5cwin.ini',
  '..\\..\\windows',
  'ok%00.jsonl',
  '%00',
  'a%00b',
  '%c0%ae%c0%ae%c0%af',
  '%e2%80%a4%e2%80%a4%2fetc',
  '%ef%bc%8e%ef%bc%8e%ef%bc%8fetc',
  '%252e%252e%252fetc',
  '....%2f%2f',
  '..;%2fetc',
  '%2fetc%2fpasswd',
  '~%2f.ssh',
  'UPPER',
  '-starts-with-dash',
  'a'.repeat(65),
  '%zz',
  '%',
  'name%0d%0aX-Injected:%201',
  '%E0%A4%A',
];

// Ids in the right shape that name nothing, and ids in no shape at all.
const unknownIds = (r: Rand): Record<string, string> => ({
  vk: `vk_${r.text(16)}`,
  tn: `tn_${r.text(16)}`,
  ak: `ak_${r.text(16)}`,
  gr: `gr_${r.text(16)}`,
  pd: `pd_${r.text(16)}`,
  span: r.text(16).replace(/[g-z]/g, 'a'),
});
const GARBAGE_IDS: readonly string[] = ['x', '1', '-1', '00000000-0000-0000-0000-000000000000', "'%20OR%201=1--", 'a'.repeat(90), '%00', '99999999999999999999', 'vk_', 'tn_UPPER', '%2e%2e', 'pd_..%2f', 'null', 'undefined', '__proto__', 'constructor'];

interface AdminBodyRoute {
  method: 'POST' | 'PATCH';
  path: (ids: Record<string, string>) => string;
  /** Bodies that are JSON but the wrong shape; none of these routes accepts them. Empty for routes that read no body. */
  wrongShapes: readonly unknown[];
}

const ADMIN_BODY_ROUTES: readonly AdminBodyRoute[] = [
  { method: 'POST', path: () => '/admin/tenants', wrongShapes: [{}, { name: 'a\u0000b' }, { name: '' }, { name: 5 }, { name: 't', budgets: 'x' }, { name: 't', rateLimits: { requestsPerMinute: -1 } }, { name: 't', extra: 1 }, { name: big(129) }, { name: 't', budgets: [{ window: 'week', usd: 1 }] }, { name: 't', budgets: [{ window: 'day', usd: 1, timeZone: 'Mars/Olympus' }] }, { name: 't', workloads: ['A B'] }] },
  { method: 'PATCH', path: (ids) => `/admin/tenants/${ids['tn']}`, wrongShapes: [{ budgets: 5 }, { rateLimits: { tokensPerMinute: 0 } }, { unknown: true }, { workloads: ['dup', 'dup'] }, { rateLimits: { requestsPerMinute: 1e20 } }] },
  { method: 'POST', path: () => '/admin/keys', wrongShapes: [{}, { tenantId: 'x', name: 'k' }, { tenantId: 5 }, { name: 'k' }, { tenantId: 'tn_0000000000', name: '' }, { tenantId: 'tn_0000000000', name: 'k', allowedModels: 'gpt-a' }, { tenantId: 'tn_0000000000', name: 'k', expiresAt: 'tomorrow' }] },
  { method: 'PATCH', path: (ids) => `/admin/keys/${ids['vk']}`, wrongShapes: [{}, { allowedModels: 'gpt-a' }, { tenantId: 'tn_0000000000' }, { budgets: [{ window: 'week', usd: 1 }] }, { defaultWorkload: 'Not A Workload' }, { cacheResponses: 'yes' }] },
  { method: 'POST', path: (ids) => `/admin/keys/${ids['vk']}/expiry`, wrongShapes: [{}, { expiresAt: 5 }, { expiresAt: 'soon' }, { expiresAt: '2020-13-45T00:00:00Z' }] },
  { method: 'POST', path: (ids) => `/admin/keys/${ids['vk']}/rotate`, wrongShapes: [] },
  { method: 'POST', path: (ids) => `/admin/keys/${ids['vk']}/revoke`, wrongShapes: [] },
  { method: 'POST', path: (ids) => `/admin/tenants/${ids['tn']}/admin-keys`, wrongShapes: [{}, { name: '' }, { name: 'k', extra: true }, { name: [] }] },
  { method: 'POST', path: (ids) => `/admin/admin-keys/${ids['ak']}/revoke`, wrongShapes: [] },
  { method: 'POST', path: () => '/admin/golden-runs', wrongShapes: [{}, { dataset: '../../etc/passwd', models: ['gpt-a'] }, { dataset: 'd', models: [] }, { dataset: 'd', models: 'gpt-a' }, { dataset: 'd', models: ['gpt-a', 'gpt-a'] }, { dataset: 'd', models: ['gpt-a'], version: -1 }, { dataset: 'd', models: ['gpt-a'], scorer: 'nope' }] },
  { method: 'POST', path: (ids) => `/admin/golden-runs/${ids['gr']}/cancel`, wrongShapes: [] },
  { method: 'POST', path: () => '/admin/policy/validate', wrongShapes: [{}, { doc: {} }, { document: {}, extra: 1 }] },
  { method: 'POST', path: () => '/admin/policy/versions', wrongShapes: [{}, { document: {} }, { document: {}, reason: '' }, { document: {}, reason: 'r', activate: 'yes' }, { document: {}, reason: 'r', parentId: big(65) }] },
  { method: 'POST', path: () => '/admin/policy/activate', wrongShapes: [{}, { versionId: 'a\u0000b' }, { versionId: '' }, { versionId: 5 }, { versionId: big(65) }, { versionId: 'v', reason: '' }] },
  { method: 'POST', path: () => '/admin/policy-diffs', wrongShapes: [{}, { proposedDocument: {} }, { proposedDocument: {}, workloads: [], summary: 's' }, { workloads: 'x' }] },
  { method: 'POST', path: (ids) => `/admin/policy-diffs/${ids['pd']}/approve`, wrongShapes: [{ comment: 5 }, { comment: '' }, { extra: 1 }, []] },
  { method: 'POST', path: (ids) => `/admin/policy-diffs/${ids['pd']}/reject`, wrongShapes: [{}, { comment: '' }, { comment: 5 }, { comment: big(4001) }, { comment: 'no\u0000' }] },
  { method: 'POST', path: (ids) => `/admin/policy-diffs/${ids['pd']}/canary`, wrongShapes: [{}, { schedule: 'now' }, { schedule: { steps: -1 } }] },
  { method: 'POST', path: (ids) => `/admin/policy-diffs/${ids['pd']}/canary/abort`, wrongShapes: [{}, { comment: '' }, { comment: 7 }] },
  { method: 'POST', path: () => '/admin/datasets/fuzz-set/versions/from-spans', wrongShapes: [{}, { spanIds: 'x' }, { spanIds: ['zz'] }, { spanIds: [] }] },
  { method: 'POST', path: () => '/admin/optimizer/refit', wrongShapes: [] },
];

const ADMIN_GET_ROUTES: readonly ((ids: Record<string, string>) => string)[] = [
  (ids) => `/admin/keys/${ids['vk']}`,
  (ids) => `/admin/golden-runs/${ids['gr']}`,
  (ids) => `/admin/policy-diffs/${ids['pd']}`,
  (ids) => `/admin/policy-diffs/${ids['pd']}/canary`,
  (ids) => `/admin/spans/${ids['span']}`,
  (ids) => `/admin/tenants/${ids['tn']}/admin-keys`,
  (ids) => `/admin/policy/versions/${ids['pv']}`,
  (ids) => `/admin/queues/${ids['queue']}/failed`,
  (ids) => `/admin/datasets/${ids['dataset']}/versions`,
  (ids) => `/admin/datasets/${ids['dataset']}/versions/1`,
  (ids) => `/admin/datasets/${ids['dataset']}/versions/latest/items`,
];

const LIST_ROUTES_WITH_QUERIES: readonly (readonly [string, readonly string[]])[] = [
  ['/admin/keys', ['tenantId=x', 'tenantId=../..', 'tenantId=tn_A']],
  ['/admin/golden-runs', ['limit=0', 'limit=-1', 'limit=abc', 'limit=201', 'status=exploded', 'limit=1&limit=2']],
  ['/admin/policy/versions', ['before=%00', 'before=a%00b', 'limit=0', 'limit=1e9', 'limit=NaN', 'before=' + 'b'.repeat(65), 'limit=1&limit=2']],
  ['/admin/policy/diff', ['from=a%00', 'to=%00', 'from=' + 'f'.repeat(65), 'to=', 'from=a&from=b']],
  ['/admin/policy/activations', ['limit=0', 'limit=201', 'limit=Infinity']],
  ['/admin/policy-diffs', ['status=nope', 'limit=0', 'before=x', 'workload=A%20B']],
  ['/admin/datasets', ['tenantId=..%2f..', 'tenantId=x']],
  ['/admin/audit', ['x%00=1', 'limit=-5', 'limit=x', 'tenantId=nope']],
  ['/admin/datasets/fuzz-set/versions/1/items', ['offset=-1', 'limit=0', 'limit=100000', 'offset=x']],
];

/** `n`: this request's index within its category, for routes every one of which must be covered. */
type Make = (r: Rand, s: Secrets, n: number) => FuzzRequest;

const chat = (category: string, summary: string, body: Buffer | undefined, r: Rand, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
  category,
  summary,
  // A quarter go to the keys gateway with a valid key: the guard runs first there, then the same validation.
  target: r.chance(0.25) ? 'keys' : 'open',
  method: 'POST',
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json' },
  body,
  ...extra,
});

const insertAt = (text: string, marker: string, bytes: number[]): Buffer => {
  const at = Buffer.byteLength(text.slice(0, text.indexOf(marker)), 'utf8');
  const whole = Buffer.from(text, 'utf8');
  return Buffer.concat([whole.subarray(0, at), Buffer.from(bytes), whole.subarray(at)]);
};

const rawRequest = (head: string, body = ''): Buffer => Buffer.from(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, 'latin1');

const CATEGORIES: readonly (readonly [string, number, Make])[] = [
  [
    'chat: wrong type',
    380,
    (r): FuzzRequest => {
      const body = validChat(r);
      if (r.chance(0.3)) {
        const messages = r.pick(WRONG_MESSAGES);
        return chat('chat: wrong type', `messages = ${JSON.stringify(messages).slice(0, 80)}`, json({ ...body, messages }), r);
      }
      const [field, values] = r.pick(WRONG_TOP_LEVEL);
      const value = r.pick(values);
      if (value === RAW) {
        const token = r.pick(['NaN', 'Infinity', '-Infinity', '1e999', 'undefined', 'nul']);
        return chat('chat: wrong type', `${field} = ${token}`, jsonWithRaw({ ...body, [field]: RAW }, token), r);
      }
      return chat('chat: wrong type', `${field} = ${JSON.stringify(value)?.slice(0, 60)}`, json({ ...body, [field]: value }), r);
    },
  ],
  [
    'chat: max_tokens',
    120,
    (r): FuzzRequest => {
      const field = r.pick(['max_tokens', 'max_completion_tokens']);
      const [label, token] = r.pick(BAD_TOKEN_COUNTS);
      return chat('chat: max_tokens', `${field} = ${label}`, jsonWithRaw({ ...validChat(r), [field]: RAW }, token), r);
    },
  ],
  [
    'chat: missing field',
    100,
    (r): FuzzRequest => {
      const [label, strip] = r.pick(MISSING);
      return chat('chat: missing field', `without ${label}`, json(strip(validChat(r))), r);
    },
  ],
  [
    'huge strings',
    50,
    (r): FuzzRequest => {
      const size = 200 * 1024;
      const kind = r.int(0, 10);
      const base = validChat(r);
      if (kind >= 8) {
        // Over the 256 KB body limit: refused before it is parsed.
        const over = r.pick([300 * 1024, 600 * 1024, 1024 * 1024]);
        return chat('huge strings', `body of ${over >> 10} KB`, json({ ...base, messages: [{ role: 'user', content: big(over) }] }), r, { expect: [413] });
      }
      const cases: readonly (readonly [string, Body])[] = [
        ['200 KB model name', { ...base, model: big(size) }],
        ['200 KB role', { ...base, messages: [{ role: big(size), content: 'x' }] }],
        ['200 KB user', { ...base, user: big(size) }],
        ['200 KB tool name', { ...base, tools: [{ type: 'function', function: { name: big(size) } }] }],
        ['200 KB metadata value', { ...base, metadata: { k: big(size) } }],
        ['200 KB temperature string', { ...base, temperature: big(size, '9') }],
        ['200 KB of content, beyond every context window', { ...base, messages: [{ role: 'user', content: big(size / 5, 'word ') }] }],
        ['8,000 messages, the last bad', { ...base, messages: [...Array.from({ length: 8_000 }, () => ({ role: 'user', content: 'x' })), { role: 'robot', content: 'x' }] }],
      ];
      const [label, body] = cases[kind];
      return chat('huge strings', label, json(body), r);
    },
  ],
  [
    'deep JSON',
    40,
    (r): FuzzRequest => {
      const depth = r.pick([1_000, 10_000, 50_000]);
      const base = JSON.stringify(validChat(r)).slice(0, -1);
      const cases: readonly (readonly [string, string])[] = [
        [`${depth} levels of [ as the body`, nested(depth, '[', ']')],
        [`${depth} levels of {"a": as the body`, nested(depth, '{"a":', '}', '1')],
        [`${depth} levels of [ in a vendor field`, `${base},"x":${nested(depth, '[', ']')}}`],
        [`${depth} levels of {"a": in a vendor field`, `${base},"x":${nested(depth, '{"a":', '}', '1')}}`],
        [`${depth} levels in tool parameters`, `${base},"tools":[{"type":"function","function":{"name":"f","parameters":{"p":${nested(depth, '[', ']')}}}}]}`],
        [`${depth} levels in response_format schema`, `${base},"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"p":${nested(depth, '{"a":', '}', '1')}}}}}`],
        [`${depth} unclosed [`, '['.repeat(depth)],
        [`${depth} levels in message content`, `${base.slice(0, base.indexOf('"messages"'))}"messages":[{"role":"user","content":${nested(depth, '[', ']')}}]}`],
      ];
      const [label, text] = r.pick(cases);
      // The deepest ones are also over the body limit: a 413 refuses them as well.
      return chat('deep JSON', label, Buffer.from(text, 'utf8'), r, { expect: [400, 413] });
    },
  ],
  [
    'invalid UTF-8',
    60,
    (r): FuzzRequest => {
      const [label, bytes] = r.pick(INVALID_UTF8);
      const model = r.pick(CHAT_MODELS);
      const text = JSON.stringify({ model, messages: [{ role: 'user', content: 'hello MARK world' }], user: 'uMARK' });
      const where = r.pick(['content', 'model', 'user', 'a key', 'the end']);
      let buf: Buffer;
      if (where === 'content') buf = insertAt(text, 'MARK world', bytes);
      else if (where === 'model') buf = insertAt(text, `${model}"`, bytes);
      else if (where === 'user') buf = insertAt(text, 'MARK"}', bytes);
      else if (where === 'a key') buf = insertAt(text, 'user"', bytes);
      else buf = Buffer.concat([Buffer.from(text), Buffer.from(bytes)]);
      return chat('invalid UTF-8', `${label} in ${where}`, buf, r, { expect: [400] });
    },
  ],
  [
    'malformed JSON',
    120,
    (r): FuzzRequest => {
      const text = JSON.stringify(validChat(r));
      const kind = r.int(0, 13);
      const cases: readonly (readonly [string, string])[] = [
        ['truncated', text.slice(0, r.int(1, text.length - 1))],
        ['single quotes', text.replaceAll('"', "'")],
        ['trailing comma', `${text.slice(0, -1)},}`],
        ['a comment', `// hi\n${text}`],
        ['unquoted keys', text.replace('"model"', 'model')],
        ['missing comma', text.replace('","messages"', '" "messages"')],
        ['garbage after the object', `${text}xyz`],
        ['two documents', `${text}${text}`],
        ['a raw control character in a string', text.replace('"user"', '"us\u0001er"')],
        ['a bad escape', text.replace('"user"', '"\\x75ser"')],
        ['a short unicode escape', text.replace('"user"', '"\\u12"')],
        ['a bare word', r.pick(['undefined', 'True', 'None', 'null null', '{model}', '<xml/>'])],
        ['a lone value', r.pick(['null', '42', '"string"', 'true', '[]', '[{"model":"gpt-a"}]', '""'])],
        ['only whitespace', r.pick([' ', '\n\n', '\t \r\n'])],
      ];
      const [label, body] = cases[kind];
      return chat('malformed JSON', label, Buffer.from(body, 'utf8'), r, { expect: [400] });
    },
  ],
  [
    'non-JSON content',
    60,
    (r): FuzzRequest => {
      const cases: readonly (readonly [string, string, Buffer])[] = [
        ['form-urlencoded', 'application/x-www-form-urlencoded', Buffer.from('model=gpt-a&messages[0][role]=user&messages[0][content]=hi')],
        ['XML', 'application/xml', Buffer.from('<request><model>gpt-a</model></request>')],
        ['multipart with a JSON field', 'multipart/form-data; boundary=XyZ', Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="body"\r\n\r\n${JSON.stringify(validChat(r))}\r\n--XyZ--\r\n`)],
        ['broken multipart', 'multipart/form-data; boundary=XyZ', Buffer.from('--nope\r\ngarbage')],
        ['multipart without a boundary', 'multipart/form-data', Buffer.from('--x\r\n\r\n')],
        ['random bytes', 'application/octet-stream', randomBytesFrom(r, 512)],
        ['plain text', 'text/plain', Buffer.from('please complete this chat')],
        ['UTF-16LE JSON with a BOM', 'application/json; charset=utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(validChat(r)), 'utf16le')])],
        ['UTF-16LE JSON', 'application/json; charset=utf-16', Buffer.from(JSON.stringify(validChat(r)), 'utf16le')],
        ['a PNG', 'image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
        ['a gzip stream', 'application/json', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3])],
        ['garbage content type', ';;;===', Buffer.from('x')],
        ['no content type, text', '', Buffer.from('hello')],
      ];
      const [label, type, body] = r.pick(cases);
      return chat('non-JSON content', label, body, r, { headers: type ? { 'content-type': type } : {} });
    },
  ],
  [
    'empty body',
    30,
    (r): FuzzRequest => {
      const type = r.pick(['application/json', 'text/plain', '', 'application/x-www-form-urlencoded']);
      const path = r.pick(['/v1/chat/completions', '/v1/chat/completions', '/admin/tenants', '/admin/keys', '/admin/policy/versions', '/admin/policy/activate', '/admin/golden-runs', '/admin/datasets/fuzz-set/versions']);
      return {
        category: 'empty body',
        summary: `POST ${path}, content-type '${type}'`,
        target: r.chance(0.3) ? 'keys' : 'open',
        method: 'POST',
        path,
        headers: type ? { 'content-type': type } : {},
        body: Buffer.alloc(0),
        expect: [400],
      };
    },
  ],
  [
    'duplicate keys',
    40,
    (r): FuzzRequest => {
      const base = JSON.stringify(validChat(r)).slice(0, -1);
      const cases: readonly (readonly [string, string])[] = [
        ['model twice, last a number', `${base},"model":5}`],
        ['messages twice, last a string', `${base},"messages":"x"}`],
        ['max_tokens twice, last negative', `${base},"max_tokens":10,"max_tokens":-1}`],
        ['role twice in a message', base.replace('"role":"user"', '"role":"user","role":"wizard"') + '}'],
        ['temperature twice, last out of range', `${base},"temperature":0,"temperature":7}`],
        ['stream twice, last a string', `${base},"stream":false,"stream":"yes"}`],
      ];
      const [label, text] = r.pick(cases);
      return chat('duplicate keys', label, Buffer.from(text, 'utf8'), r, { expect: [400] });
    },
  ],
  [
    'prototype pollution',
    60,
    (r): FuzzRequest => {
      const base = JSON.stringify(validChat(r)).slice(0, -1);
      const cases: readonly (readonly [string, string])[] = [
        ['__proto__ at the top', `${base},"__proto__":{"polluted":true,"stream":true}}`],
        ['__proto__ with a bad max_tokens', `${base},"__proto__":{"max_tokens":-5}}`],
        ['constructor.prototype', `${base},"constructor":{"prototype":{"polluted":true}}}`],
        ['__proto__ in a message', base.replace('"role":"user"', '"role":"user","__proto__":{"role":"system","polluted":true}') + '}'],
        ['__proto__ in metadata', `${base},"metadata":{"__proto__":"x"}}`],
        ['escaped __proto__', `${base},"\\u005f_proto__":{"polluted":true}}`],
        ['__proto__ in tool parameters', `${base},"tools":[{"type":"function","function":{"name":"f","parameters":{"__proto__":{"polluted":true}}}}]}`],
        ['constructor.prototype in response_format', `${base},"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"constructor":{"prototype":{"polluted":true}}}}}}`],
      ];
      const [label, text] = r.pick(cases);
      return chat('prototype pollution', label, Buffer.from(text, 'utf8'), r, { expect: [400] });
    },
  ],
  [
    'header injection',
    60,
    (r, s): FuzzRequest => {
      const body = JSON.stringify(validChat(r));
      const host = 'Host: 127.0.0.1';
      const post = (headers: string, target: Target = 'open', payload = body) =>
        rawRequest(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\n${target === 'keys' ? `Authorization: Bearer ${s.key}\r\n` : ''}${headers}`, payload);
      const cases: readonly (readonly [string, () => Buffer, Target, readonly number[] | undefined])[] = [
        ['CRLF after a bad workload', () => post('X-Switchyard-Workload: Evil\r\nX-Injected: 1'), 'open', [400]],
        ['CRLF after a traversal workload', () => post('X-Switchyard-Workload: ../../etc\r\nX-Injected: 1', 'keys'), 'keys', [400]],
        ['bare CR in the workload', () => post('X-Switchyard-Workload: a\rX-Injected: 1'), 'open', [400]],
        ['bare LF in the workload', () => post('X-Switchyard-Workload: A\nX-Injected: 1'), 'open', [400]],
        ['NUL in the workload', () => post('X-Switchyard-Workload: a\u0000b'), 'open', [400]],
        ['obs-fold continuation', () => post('X-Switchyard-Workload: a\r\n  b'), 'open', [400]],
        ['space in a header name', () => post('X Bad: 1'), 'open', [400]],
        ['a header line without a colon', () => post('JustGarbage'), 'open', [400]],
        ['a 20 KB header', () => post(`X-Switchyard-Workload: ${big(20 * 1024, 'a')}`), 'open', [400, 431]],
        ['3,000 headers', () => post(Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v`).join('\r\n')), 'open', [400, 431]],
        ['Content-Length and Transfer-Encoding', () => rawRequest(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nTransfer-Encoding: chunked`, body), 'open', [400]],
        ['two different Content-Lengths', () => Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nContent-Length: 5\r\nContent-Length: 6\r\nConnection: close\r\n\r\n{"a":1`), 'open', [400]],
        ['a negative Content-Length', () => Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`), 'open', [400]],
        ['a bad chunk size', () => Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`), 'open', [400]],
        ['an unknown method', () => Buffer.from(`FOO /v1/chat/completions HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`), 'open', [400, 404, 405]],
        ['a garbage request line', () => Buffer.from(`GARBAGE\r\n${host}\r\nConnection: close\r\n\r\n`), 'open', [400]],
        ['HTTP/9.9', () => Buffer.from(`POST /v1/chat/completions HTTP/9.9\r\n${host}\r\nConnection: close\r\n\r\n`), 'open', [400, 505]],
        ['CRLF in the bearer key', () => rawRequest(`POST /v1/chat/completions HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nAuthorization: Bearer sk-sy-x\r\nX-Injected: 1`, body), 'keys', [401]],
        ['CRLF in the actor', () => rawRequest(`POST /admin/policy/activate HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nX-Switchyard-Actor: \u00ff\u00fe\r\nX-Injected: 1`, '{"versionId":"nope"}'), 'open', undefined],
        ['a 20 KB URL', () => Buffer.from(`GET /admin/tenants?x=${big(20 * 1024, 'q')} HTTP/1.1\r\n${host}\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nConnection: close\r\n\r\n`), 'open', [400, 414, 431]],
      ];
      const [label, build, target, expected] = r.pick(cases);
      return { category: 'header injection', summary: label, target, method: 'RAW', path: '(raw)', raw: build(), expect: expected };
    },
  ],
  [
    'hostile headers',
    100,
    (r, s): FuzzRequest => {
      const body = json(validChat(r));
      const kind = r.int(0, 3);
      if (kind === 0) {
        // Headers the gateway checks: a bad workload is refused before anything is routed.
        const workload = r.pick(['Evil', '../../etc/passwd', big(65, 'a'), 'a b', '%2e%2e', '\u00e9t\u00e9', 'a/b', 'a;rm -rf', '*', 'a'.repeat(8_000)]);
        return chat('hostile headers', `x-switchyard-workload: ${workload.slice(0, 40)}`, body, r, { headers: { 'content-type': 'application/json', 'x-switchyard-workload': workload }, expect: [400] });
      }
      if (kind === 1) {
        // Headers the gateway reads after routing but does not refuse: the tight key's token limit
        // refuses every call right after the cache and admission code have read them.
        // The internal-call marker is checked (400 malformed, 403 from a virtual key) before admission.
        const [name, value, expected] = r.pick([
          ['x-switchyard-cache', r.pick(['ON', 'maybe', big(8_000, 'o'), 'on, off', '\u00ff', 'off\tx', '0']), [429]],
          ['cache-control', r.pick(['no-store=', ',,,', 'max-age=-1', big(6_000, ','), 'no-cache, no-cache, no-cache', '\u00ffno-store']), [429]],
          ['x-switchyard-internal', r.pick(['1', 'judge', 'true', big(3_000, 'i')]), [400, 403]],
          ['x-switchyard-run-id', r.pick(['../../', big(3_000, 'r'), '\u00ff']), [429]],
          ['x-switchyard-actor', r.pick(['\u00ff\u00fe', big(5_000, 'a')]), [429]],
        ] as const);
        return {
          ...chat('hostile headers', `${name}: ${value.slice(0, 30)} (tight key)`, json({ ...validChat(r), temperature: 0 }), r, { headers: { 'content-type': 'application/json', [name]: value } }),
          target: 'keys',
          auth: 'tight',
          expect: expected,
        };
      }
      if (kind === 2) {
        const header = r.pick(['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer sk-sy-' + big(43, 'A'), `Bearer ${big(8_000, 'k')}`, 'Bearer a b', 'bearer\tsk-sy-x', 'Token abc', `Bearer sk-sya-${r.text(20)}`, 'Bearer \u00ff\u00fe', `Bearer ${ADMIN_KEY}x`, 'Bearer null', 'Bearer undefined']);
        return { ...chat('hostile headers', `authorization: ${header.slice(0, 40)}`, body, r), target: 'keys', auth: { header }, expect: [401] };
      }
      // Bad actors on admin changes, to things that do not exist and to real ones that would go through
      // but for the actor: refused before anything is written (checked after the run).
      const actor = r.pick(['\u00ff\u00fe', big(129, 'a'), 'a\tb', big(2_000, 'z')]);
      const ids = unknownIds(r);
      const [method, path, payload] = r.pick([
        ['POST', `/admin/keys/${ids['vk']}/revoke`, undefined],
        ['POST', `/admin/policy-diffs/${ids['pd']}/reject`, json({ comment: 'no' })],
        ['POST', '/admin/policy/activate', json({ versionId: 'no-such-version' })],
        ['POST', `/admin/golden-runs/${ids['gr']}/cancel`, undefined],
        ['POST', '/admin/tenants', json({ name: `${VICTIM_PREFIX}${r.text(8)}` })],
        ['POST', '/admin/keys', json({ tenantId: s.victimTenantId, name: `${VICTIM_PREFIX}key` })],
        ['POST', `/admin/keys/${s.victimKeyId}/rotate`, undefined],
        ['POST', `/admin/keys/${s.victimKeyId}/revoke`, undefined],
        ['POST', `/admin/keys/${s.victimKeyId}/expiry`, json({ expiresAt: '2001-01-01T00:00:00Z' })],
        ['PATCH', `/admin/tenants/${s.victimTenantId}`, json({ rateLimits: { requestsPerMinute: 1 } })],
        ['POST', `/admin/tenants/${s.victimTenantId}/admin-keys`, json({ name: `${VICTIM_PREFIX}admin` })],
      ] as const);
      return {
        category: 'hostile headers',
        summary: `x-switchyard-actor: ${actor.slice(0, 30)} on ${method} ${path}`,
        target: r.chance(0.5) ? 'keys' : 'open',
        method,
        path,
        headers: { 'x-switchyard-actor': actor, ...(payload && { 'content-type': 'application/json' }) },
        body: payload,
        auth: 'admin',
      };
    },
  ],
  [
    'dataset path traversal',
    200,
    (r, _s, n): FuzzRequest => {
      const name = r.pick(TRAVERSAL_NAMES);
      const file = Buffer.from(`${JSON.stringify({ input: 'What is 1 + 1?', expected: '2' })}\n`);
      const routes: readonly (readonly [string, string, Buffer | undefined, string | undefined])[] = [
        ['GET', `/admin/datasets/${name}/versions`, undefined, undefined],
        ['GET', `/admin/datasets/${name}/versions/1`, undefined, undefined],
        ['GET', `/admin/datasets/${name}/versions/latest/items`, undefined, undefined],
        ['POST', `/admin/datasets/${name}/versions`, file, 'application/x-ndjson'],
        ['POST', `/admin/datasets/${name}/versions?format=jsonl`, file, 'application/octet-stream'],
        ['POST', `/admin/datasets/${name}/versions/from-spans`, json({ spanIds: ['0123456789abcdef'] }), 'application/json'],
        ['GET', `/admin/datasets/fuzz-set/versions/${name}`, undefined, undefined],
        ['GET', `/admin/datasets/fuzz-set/versions/${name}/items`, undefined, undefined],
        ['GET', `/admin/datasets?tenantId=${name}`, undefined, undefined],
        ['POST', '/admin/golden-runs', json({ dataset: decodeSafely(name), models: ['gpt-a'] }), 'application/json'],
      ];
      const [method, path, body, type] = routes[n % routes.length];
      return { category: 'dataset path traversal', summary: `${method} ${path.slice(0, 100)}`, target: r.chance(0.2) ? 'keys' : 'open', method, path, headers: type ? { 'content-type': type } : {}, body, auth: 'admin' };
    },
  ],
  [
    'unknown admin ids',
    150,
    (r): FuzzRequest => {
      const ids: Record<string, string> = r.chance(0.5)
        ? { ...unknownIds(r), pv: `pv-${r.text(8)}`, queue: r.pick(['nope', 'judge-x', 'x'.repeat(50)]), dataset: `fuzz-${r.text(6)}` }
        : Object.fromEntries(['vk', 'tn', 'ak', 'gr', 'pd', 'span', 'pv', 'queue', 'dataset'].map((k) => [k, r.pick(GARBAGE_IDS)]));
      if (r.chance(0.6)) {
        const path = r.pick(ADMIN_GET_ROUTES)(ids);
        return { category: 'unknown admin ids', summary: `GET ${path.slice(0, 100)}`, target: r.chance(0.2) ? 'keys' : 'open', method: 'GET', path, auth: 'admin' };
      }
      // Well-formed bodies, so the id is what gets looked at.
      const route = r.pick(ADMIN_BODY_ROUTES.filter((x) => x.path(ids) !== x.path({})));
      const path = route.path(ids);
      const body = path.endsWith('/expiry')
        ? json({ expiresAt: null })
        : path.endsWith('/reject') || path.endsWith('/abort')
          ? json({ comment: 'fuzz' })
          : path.endsWith('/admin-keys')
            ? json({ name: 'fuzz' })
            : path.endsWith('/canary')
              ? json({ schedule: { steps: [{ share: 0.1, holdMinutes: 1 }] } })
              : route.method === 'PATCH'
                ? json({ rateLimits: {} })
                : undefined;
      return { category: 'unknown admin ids', summary: `${route.method} ${path.slice(0, 100)}`, target: 'open', method: route.method, path, headers: body ? { 'content-type': 'application/json' } : {}, body, auth: 'admin' };
    },
  ],
  [
    'huge query strings',
    40,
    (r): FuzzRequest => {
      const [path, queries] = r.pick(LIST_ROUTES_WITH_QUERIES);
      const size = r.pick([1_000, 8_000, 12_000]);
      const query = r.chance(0.5) ? r.pick(queries) : `${r.pick(queries)}&${Array.from({ length: Math.floor(size / 8) }, (_, i) => `p${i}=v`).join('&')}`;
      const chatPath = r.chance(0.15);
      if (chatPath) {
        return chat('huge query strings', `/v1/chat/completions?${size} bytes, bad body`, json({ model: 5 }), r, { path: `/v1/chat/completions?${'q'.repeat(size)}`, expect: [400] });
      }
      const full = `${path}?${query}`;
      return { category: 'huge query strings', summary: `GET ${full.slice(0, 100)} (${full.length} bytes)`, target: 'open', method: 'GET', path: full, auth: 'admin' };
    },
  ],
  [
    'bad dataset files',
    40,
    (r): FuzzRequest => {
      // A fresh valid name each time: a file accepted by mistake would answer 201 and show up here.
      const name = `fuzz-${r.text(8)}`;
      const line = (item: unknown): string => JSON.stringify(item);
      const cases: readonly (readonly [string, string, Buffer, string])[] = [
        ['invalid UTF-8 in expected', 'application/x-ndjson', Buffer.concat([Buffer.from('{"input":"q","expected":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]), ''],
        ['10,000-deep metadata', 'application/x-ndjson', Buffer.from(`{"input":"q","expected":"a","metadata":{"m":${nested(10_000, '[', ']')}}}\n`), ''],
        ['10,000-deep JSON array file', 'application/json', Buffer.from(nested(10_000, '[', ']')), ''],
        ['a 10,000-deep input', 'application/x-ndjson', Buffer.from(`{"input":${nested(10_000, '[', ']')},"expected":"a"}\n`), ''],
        ['lines that are not objects', 'application/x-ndjson', Buffer.from('[1]\n42\n"x"\nnull\n'), ''],
        ['an unknown role', 'application/x-ndjson', Buffer.from(`${line({ input: [{ role: 'robot', content: 'x' }], expected: 'y' })}\n`), ''],
        ['a bad workload', 'application/x-ndjson', Buffer.from(`${line({ input: 'x', expected: 'y', workload: 'BAD WL' })}\n`), ''],
        ['a bad span id', 'application/x-ndjson', Buffer.from(`${line({ input: 'x', expected: 'y', span_id: '../../x' })}\n`), ''],
        ['empty input messages', 'application/x-ndjson', Buffer.from(`${line({ input: [], expected: 'y' })}\n`), ''],
        ['only blank lines', 'application/x-ndjson', Buffer.from('\n\n   \n'), ''],
        ['truncated JSON', 'application/x-ndjson', Buffer.from('{"input":"q","expe'), ''],
        ['CSV without an input column', 'text/csv', Buffer.from('question,answer\nq,a\n'), ''],
        ['CSV with an open quote', 'text/csv', Buffer.from('input,expected\n"q,a\n'), ''],
        ['CSV with bad metadata', 'text/csv', Buffer.from('input,expected,metadata\nq,a,[1]\n'), ''],
        ['an unknown format', 'application/x-ndjson', Buffer.from(`${line({ input: 'q', expected: 'a' })}\n`), '?format=xml'],
        ['JSON said to be CSV', 'application/json', Buffer.from(`${line({ input: 'q', expected: 'a' })}\n`), '?format=csv'],
        ['a bad scorer', 'application/x-ndjson', Buffer.from(`${line({ input: 'q', expected: 'a' })}\n`), '?scorer=%00'],
        ['multipart cut short', 'multipart/form-data; boundary=B', Buffer.from('--B\r\nContent-Disposition: form-data; name="file"; filename="d.jsonl"\r\n\r\n{"input":"q"'), ''],
        ['multipart with no file', 'multipart/form-data; boundary=B', Buffer.from('--B\r\nContent-Disposition: form-data; name="x"\r\n\r\nhello\r\n--B--\r\n'), ''],
        ['multipart with a bad part header', 'multipart/form-data; boundary=B', Buffer.from('--B\r\nGarbage\r\n\r\nx\r\n--B--\r\n'), ''],
        ['multipart without a boundary', 'multipart/form-data', Buffer.from('--B\r\n\r\nx\r\n--B--\r\n'), ''],
      ];
      const [label, type, body, query] = r.pick(cases);
      return { category: 'bad dataset files', summary: `${label} (${type}${query})`, target: 'open', method: 'POST', path: `/admin/datasets/${name}/versions${query}`, headers: { 'content-type': type }, body, auth: 'admin' };
    },
  ],
  [
    'bad admin JSON',
    160,
    (r, _s, n): FuzzRequest => {
      const ids = { ...unknownIds(r) };
      const route = ADMIN_BODY_ROUTES[n % ADMIN_BODY_ROUTES.length];
      const path = route.path(ids);
      const valid = JSON.stringify({ name: 'x' });
      const syntaxErrors = ['{', '{"name":', valid.slice(0, -1), `${valid}}`, "{'name':'x'}", '{"name":"x",}', 'nul', '[', '\u00ff', `${nested(20_000, '[', ']')}`, `{"document":${nested(20_000, '{"a":', '}', '1')}}`];
      const notObjects = ['[]', '"string"', '42', 'null', 'true', '[{"name":"x"}]'];
      const pollution = ['{"__proto__":{"isAdmin":true},"name":"x"}', '{"constructor":{"prototype":{"isAdmin":true}},"name":"x"}'];
      const kind = r.int(0, 3);
      let label: string;
      let body: Buffer;
      if (kind === 0 || route.wrongShapes.length === 0) {
        const text = r.pick(syntaxErrors);
        label = `syntax error ${text.slice(0, 30)}`;
        body = Buffer.from(text, 'latin1');
      } else if (kind === 1) {
        const text = r.pick(notObjects);
        label = `not an object: ${text}`;
        body = Buffer.from(text);
      } else if (kind === 2) {
        const text = r.pick(pollution);
        label = `pollution ${text.slice(0, 30)}`;
        body = Buffer.from(text);
      } else {
        const shape = r.pick(route.wrongShapes);
        label = `wrong shape ${JSON.stringify(shape).slice(0, 60)}`;
        body = json(shape);
      }
      return { category: 'bad admin JSON', summary: `${route.method} ${path}: ${label}`, target: r.chance(0.2) ? 'keys' : 'open', method: route.method, path, headers: { 'content-type': 'application/json' }, body, auth: 'admin' };
    },
  ],
  [
    'wrong methods',
    80,
    (r): FuzzRequest => {
      const [method, path] = r.pick([
        ['GET', '/v1/chat/completions'],
        ['PUT', '/v1/chat/completions'],
        ['DELETE', '/v1/chat/completions'],
        ['PATCH', '/v1/chat/completions'],
        ['OPTIONS', '/v1/chat/completions'],
        ['TRACE', '/v1/chat/completions'],
        ['PROPFIND', '/v1/chat/completions'],
        ['DELETE', '/admin/tenants'],
        ['PUT', '/admin/keys'],
        ['DELETE', '/admin/keys/vk_0000000000aa'],
        ['PUT', '/admin/keys/vk_0000000000aa'],
        ['GET', '/admin/optimizer/refit'],
        ['GET', '/admin/policy/activate'],
        ['PUT', '/admin/policy/versions'],
        ['DELETE', '/admin/datasets/fuzz-set/versions'],
        ['GET', '/admin/keys/vk_0000000000aa/rotate'],
        ['POST', '/admin/spans/0123456789abcdef'],
        ['POST', '/v1/models'],
        ['GET', '/v1/chat/completions/../../admin/tenants'],
        ['POST', '/v1/chat/completion'],
        ['POST', '/V1/CHAT/COMPLETIONS'],
        ['POST', '/v1//chat/completions'],
        ['POST', '/v2/chat/completions'],
        ['GET', '/admin'],
        ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
      ] as const);
      const withBody = method !== 'GET' && method !== 'OPTIONS' && method !== 'TRACE';
      return {
        category: 'wrong methods',
        summary: `${method} ${path}`,
        target: r.chance(0.3) ? 'keys' : 'open',
        method,
        path,
        headers: withBody ? { 'content-type': 'application/json' } : {},
        body: withBody ? json(validChat(r)) : undefined,
        auth: path.startsWith('/admin') ? 'admin' : 'key',
        expect: [404, 405],
      };
    },
  ],
  [
    'auth garbage',
    80,
    (r, s): FuzzRequest => {
      const header = r.pick(['', 'Bearer', 'Bearer  ', 'Basic YWRtaW46YWRtaW4=', `Bearer ${s.key}`, `Bearer ${ADMIN_KEY.slice(0, -1)}`, `Bearer ${big(8_000, 'a')}`, 'Bearer sk-sya-' + big(40, 'Z'), `Bearer ${ADMIN_KEY} extra`, 'Bearer \u00e9\u00e9']);
      const onAdmin = r.chance(0.5);
      const path = onAdmin ? r.pick(['/admin/tenants', '/admin/keys', '/admin/policy', '/admin/audit', '/admin/datasets']) : '/v1/chat/completions';
      // A virtual key never opens /admin; on /v1 it is valid, so only the admin side gets it.
      const usable = !onAdmin && header === `Bearer ${s.key}` ? 'Bearer sk-sy-revoked' : header;
      return {
        category: 'auth garbage',
        summary: `${onAdmin ? 'GET' : 'POST'} ${path} with authorization '${usable.slice(0, 40)}'`,
        target: onAdmin && r.chance(0.5) ? 'open' : 'keys',
        method: onAdmin ? 'GET' : 'POST',
        path,
        headers: onAdmin ? {} : { 'content-type': 'application/json' },
        body: onAdmin ? undefined : json(validChat(r)),
        auth: { header: usable },
        expect: [401],
      };
    },
  ],
  [
    'other /v1 routes',
    30,
    (r): FuzzRequest => {
      const [path, body] = r.pick([
        ['/v1/embeddings', '{"model":"embed","input":[]}'],
        ['/v1/embeddings', '{"model":"embed","input":{"a":1}}'],
        ['/v1/embeddings', '{"model":"embed","input":[1.5]}'],
        ['/v1/embeddings', '{"model":5}'],
        ['/v1/embeddings', `{"model":"embed","input":"x","dimensions":-1}`],
        ['/v1/feedback', '{}'],
        ['/v1/feedback', '{"spanId":"../../etc","score":1}'],
        ['/v1/feedback', '[1,2,3]'],
        ['/v1/feedback', '{"__proto__":{"x":1}}'],
        ['/v1/embeddings', nested(10_000, '[', ']')],
      ] as const);
      return { category: 'other /v1 routes', summary: `POST ${path} ${body.slice(0, 50)}`, target: r.chance(0.3) ? 'keys' : 'open', method: 'POST', path, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
    },
  ],
];

function randomBytesFrom(r: Rand, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = r.int(0, 255);
  return out;
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Exactly `TOTAL` requests, the categories interleaved in a seeded order. */
function* hostileRequests(seed: number, secrets: Secrets, total = TOTAL): Generator<FuzzRequest> {
  const r = new Rand(seed);
  const order: number[] = [];
  CATEGORIES.forEach(([, count], i) => {
    for (let k = 0; k < count; k++) order.push(i);
  });
  if (order.length !== TOTAL) throw new Error(`the categories add up to ${order.length}, not ${TOTAL}`);
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const made = CATEGORIES.map(() => 0);
  for (const index of order.slice(0, total)) yield CATEGORIES[index][2](r, secrets, made[index]++);
}

// ---------------------------------------------------------------------------------------------
// Sending.

function sendHttp(baseUrl: string, agent: Agent, req: FuzzRequest, headers: Record<string, string>): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, agent, headers: { ...headers, ...(req.body && { 'content-length': String(req.body.length) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          answered = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (err) => {
          if (!answered) reject(err);
        });
      },
    );
    outgoing.setTimeout(ANSWER_TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    // A server may answer (413) and close before the whole body is written; only an error before an answer counts.
    outgoing.on('error', (err) => {
      if (!answered) reject(err);
    });
    outgoing.end(req.body);
  });
}

function sendRaw(baseUrl: string, bytes: Buffer): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      // The server may reset after answering a request it could not parse; what it sent still counts.
      if (chunks.length === 0) {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseRawResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.end(bytes);
  });
}

function parseRawResponse(data: Buffer): Answer {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no HTTP response (${data.length} bytes: ${JSON.stringify(data.subarray(0, 120).toString('latin1'))})`);
  const [statusLine, ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(split + 4);
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status, headers, body };
}

// ---------------------------------------------------------------------------------------------

describe('hostile input: 2,000 malformed or hostile requests, every one a 4xx envelope', () => {
  let open: GatewayHarness;
  let keys: GatewayHarness;
  let secrets: Secrets;
  let victimSecret: string;
  const agents = { open: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }), keys: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }) };

  beforeAll(async () => {
    [open, keys] = await Promise.all([startGatewayHarness({ bodyLimitBytes: BODY_LIMIT }), startGatewayHarness({ auth: 'keys', bodyLimitBytes: BODY_LIMIT })]);
    const tenant = tenantSchema.parse((await adminCall(keys.baseUrl, 'POST', '/admin/tenants', { name: `fuzz-${randomBytes(4).toString('hex')}` })).json);
    const key = virtualKeyWithSecretResponseSchema.parse((await adminCall(keys.baseUrl, 'POST', '/admin/keys', { tenantId: tenant.id, name: 'fuzz' })).json);
    // One token a minute: every call is larger than that, so it is refused outright, whenever it is sent.
    const tight = virtualKeyWithSecretResponseSchema.parse((await adminCall(keys.baseUrl, 'POST', '/admin/keys', { tenantId: tenant.id, name: 'tight', rateLimits: { tokensPerMinute: 1 } })).json);
    const victimTenant = tenantSchema.parse((await adminCall(keys.baseUrl, 'POST', '/admin/tenants', { name: `fuzz-victim-${randomBytes(4).toString('hex')}` })).json);
    const victim = virtualKeyWithSecretResponseSchema.parse((await adminCall(keys.baseUrl, 'POST', '/admin/keys', { tenantId: victimTenant.id, name: 'victim' })).json);
    secrets = { key: key.secret, tight: tight.secret, victimTenantId: victimTenant.id, victimKeyId: victim.id };
    victimSecret = victim.secret;
  });
  afterAll(async () => {
    agents.open.destroy();
    agents.keys.destroy();
    await Promise.all([open?.close(), keys?.close()]);
  });

  const headersFor = (req: FuzzRequest): Record<string, string> => {
    const auth = req.auth ?? (req.target === 'keys' && req.path.startsWith('/v1') ? 'key' : req.path.startsWith('/admin') ? 'admin' : 'none');
    const headers: Record<string, string> = { ...req.headers };
    if (typeof auth === 'object') {
      if (auth.header) headers['authorization'] = auth.header;
    } else if (auth === 'key') headers['authorization'] = `Bearer ${secrets.key}`;
    else if (auth === 'tight') headers['authorization'] = `Bearer ${secrets.tight}`;
    else if (auth === 'admin') headers['authorization'] = `Bearer ${ADMIN_KEY}`;
    return headers;
  };

  /** What is wrong with an answer, or undefined when it is a well-formed 4xx envelope. */
  const judge = (req: FuzzRequest, answer: Answer): string | undefined => {
    const allowed = req.expect;
    if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
    if (allowed && !allowed.includes(answer.status)) return `status ${answer.status}, expected ${allowed.join('/')}`;
    if (answer.headers['x-injected'] !== undefined) return 'an injected header came back';
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return `status ${answer.status} with a body that is not JSON`;
    }
    const problem = schemas.errors('ErrorResponse', parsed);
    return problem ? `status ${answer.status}, not an OpenAI error envelope: ${problem}` : undefined;
  };

  interface Outcome {
    sent: number;
    failures: string[];
    statuses: Map<number, number>;
  }

  const run = async (requests: Iterator<FuzzRequest>): Promise<Outcome> => {
    const outcome: Outcome = { sent: 0, failures: [], statuses: new Map() };
    const worker = async (): Promise<void> => {
      for (let next = requests.next(); !next.done; next = requests.next()) {
        const req = next.value;
        const harness = req.target === 'keys' ? keys : open;
        outcome.sent++;
        let problem: string | undefined;
        let excerpt = '';
        try {
          const answer = req.raw ? await sendRaw(harness.baseUrl, req.raw) : await sendHttp(harness.baseUrl, agents[req.target], req, headersFor(req));
          outcome.statuses.set(answer.status, (outcome.statuses.get(answer.status) ?? 0) + 1);
          problem = judge(req, answer);
          excerpt = answer.body.subarray(0, 200).toString('utf8');
        } catch (err) {
          problem = `no answer: ${(err as Error).message}`;
        }
        if (problem) outcome.failures.push(`[${req.category}] ${req.target} ${req.method} ${req.summary.slice(0, 140)} -> ${problem}${excerpt ? ` | ${excerpt}` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
    return outcome;
  };

  const report = (outcome: Outcome): string => {
    const byCategory = new Map<string, number>();
    for (const f of outcome.failures) {
      const category = /^\[([^\]]+)\]/.exec(f)?.[1] ?? '?';
      byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
    }
    return [
      `${outcome.failures.length} of ${outcome.sent} hostile requests were not answered with a 4xx envelope.`,
      `By category: ${[...byCategory].map(([c, n]) => `${c}: ${n}`).join(', ')}.`,
      `Statuses seen: ${[...outcome.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s} x${n}`).join(', ')}.`,
      ...outcome.failures.slice(0, 80),
      ...(outcome.failures.length > 80 ? [`... and ${outcome.failures.length - 80} more`] : []),
    ].join('\n');
  };

  const wellFormedCall = async (h: GatewayHarness, key?: string): Promise<number> => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
      body: JSON.stringify({ model: 'gpt-a', messages: [{ role: 'user', content: 'still there?' }] }),
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('the generator is deterministic and yields exactly 2,000 requests', () => {
    const summarize = (seed: number): string[] => [...hostileRequests(seed, DUMMY_SECRETS)].map((q) => `${q.category}|${q.method}|${q.path.slice(0, 200)}|${q.body?.length ?? q.raw?.length ?? 0}`);
    const first = summarize(SEED);
    expect(first).toHaveLength(TOTAL);
    expect(summarize(SEED)).toEqual(first);
    expect(new Set(first.map((s) => s.split('|')[0])).size).toBe(CATEGORIES.length);
    // Every admin POST/PATCH route gets bad JSON, and every dataset route a traversal attempt.
    const routesOf = (category: string, strip: RegExp): Set<string> =>
      new Set([...hostileRequests(SEED, DUMMY_SECRETS)].filter((q) => q.category === category).map((q) => `${q.method} ${q.path.replace(strip, ':x')}`));
    expect(routesOf('bad admin JSON', /(vk|tn|ak|gr|pd)_[0-9a-z]+/g).size).toBe(ADMIN_BODY_ROUTES.length);
    expect(routesOf('dataset path traversal', /\/datasets\/fuzz-set\/versions\/.*|\/datasets\/.*?\/versions|\?tenantId=.*/).size).toBeGreaterThanOrEqual(6);
  });

  it("answers a request no model's context window can hold with a 400 context_length_exceeded, not a 503", async () => {
    for (const [h, key] of [[open, undefined], [keys, secrets.key]] as const) {
      for (const body of [{ max_tokens: 1_000_000 }, { max_completion_tokens: 2 ** 31 - 1 }, { messages: [{ role: 'user', content: 'word '.repeat(40_000) }] }]) {
        const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
          body: JSON.stringify({ model: 'with-fallback', messages: [{ role: 'user', content: 'hi' }], ...body }),
        });
        const json: unknown = await res.json();
        expect(res.status).toBe(400);
        schemas.assertValid('ErrorResponse', json);
        expect(json).toMatchObject({ error: { type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' } });
      }
    }
  });

  it('refuses NUL bytes, traversal and overlong ids on every admin route with a path parameter', async () => {
    const routes: readonly (readonly [string, string, unknown])[] = [
      ['GET', '/admin/keys/:id', undefined],
      ['POST', '/admin/keys/:id/rotate', undefined],
      ['POST', '/admin/keys/:id/revoke', undefined],
      ['POST', '/admin/keys/:id/expiry', { expiresAt: null }],
      ['PATCH', '/admin/tenants/:id', { rateLimits: {} }],
      ['GET', '/admin/tenants/:id/admin-keys', undefined],
      ['POST', '/admin/tenants/:id/admin-keys', { name: 'k' }],
      ['POST', '/admin/admin-keys/:id/revoke', undefined],
      ['GET', '/admin/golden-runs/:id', undefined],
      ['POST', '/admin/golden-runs/:id/cancel', undefined],
      ['GET', '/admin/policy/versions/:id', undefined],
      ['GET', '/admin/policy-diffs/:id', undefined],
      ['POST', '/admin/policy-diffs/:id/approve', {}],
      ['POST', '/admin/policy-diffs/:id/reject', { comment: 'no' }],
      ['GET', '/admin/policy-diffs/:id/canary', undefined],
      ['POST', '/admin/policy-diffs/:id/canary', { schedule: { steps: [] } }],
      ['POST', '/admin/policy-diffs/:id/canary/abort', { comment: 'stop' }],
      ['GET', '/admin/spans/:id', undefined],
      ['GET', '/admin/queues/:id/failed', undefined],
      ['GET', '/admin/datasets/:id/versions', undefined],
      ['GET', '/admin/datasets/fuzz-set/versions/:id', undefined],
      ['GET', '/admin/datasets/:id/versions/1/items', undefined],
      ['POST', '/admin/datasets/:id/versions/from-spans', { spanIds: ['0123456789abcdef'] }],
    ];
    const ids = ['%00', 'a%00b', 'vk_0000000000%00', '%2e%2e%2f%2e%2e', '%ef%bc%8e%ef%bc%8e', '%C0%AE', 'x'.repeat(99), '%ff', "'%3B--"];
    const failures: string[] = [];
    for (const [method, template] of routes) {
      for (const id of ids) {
        const path = template.replace(':id', id);
        const req: FuzzRequest = { category: 'ids', summary: path, target: 'open', method, path, auth: 'admin', ...(body(template, method) && { headers: { 'content-type': 'application/json' }, body: body(template, method) }) };
        const answer = await sendHttp(open.baseUrl, agents.open, req, headersFor(req));
        const problem = judge(req, answer);
        if (problem) failures.push(`${method} ${path} -> ${problem} | ${answer.body.subarray(0, 200).toString('utf8')}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);

    // Refused or not, an upload with a %00 in its name is still in the audit log (Postgres takes no NUL in text).
    const path = `/admin/datasets/audit-${randomBytes(4).toString('hex')}%00x/versions`;
    const upload: FuzzRequest = { category: 'ids', summary: path, target: 'open', method: 'POST', path, auth: 'admin', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.from('{"input":"q","expected":"a"}\n') };
    expect((await sendHttp(open.baseUrl, agents.open, upload, headersFor(upload))).status).toBe(400);
    await eventually(async () => {
      const audit = await adminCall(open.baseUrl, 'GET', '/admin/audit?limit=500');
      return (audit.json['data'] as { path: string }[]).some((e) => e.path === path);
    }, 5_000, `an audit event for POST ${path}`);

    function body(template: string, method: string): Buffer | undefined {
      const entry = routes.find(([m, t]) => m === method && t === template);
      return entry?.[2] === undefined ? undefined : json(entry[2]);
    }
  });

  it('answers all of them with a 4xx envelope, stays up, and gives the memory back', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    /** The JS heap plus Buffer memory (a retained body is mostly the latter), after full collections. */
    const settledHeap = async (): Promise<number> => {
      // Several rounds: finalisers and async span/audit writes free more on the next pass.
      for (let i = 0; i < 4; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      gc();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };

    // Warm-up on another seed: JIT, connection pools, prepared statements and lazy caches fill here, not in the measurement.
    const warm = await run(hostileRequests(SEED + 1, secrets, 300));
    expect(warm.failures, report(warm)).toEqual([]);
    const before = await settledHeap();

    const outcome = await run(hostileRequests(SEED, secrets));
    expect(outcome.sent).toBe(TOTAL);
    expect(outcome.failures, report(outcome)).toEqual([]);

    // Still serving, on both gateways; and nothing reached Object.prototype in this (the gateways') process.
    expect(await wellFormedCall(open)).toBe(200);
    expect(await wellFormedCall(keys, secrets.key)).toBe(200);
    // Changes refused for their actor header wrote nothing: no tenant or key made, the victim key still serves unthrottled.
    const tenants = (await adminCall(keys.baseUrl, 'GET', '/admin/tenants')).json['data'] as { name: string; id: string; rateLimits: unknown }[];
    expect(tenants.filter((t) => t.name.startsWith(VICTIM_PREFIX))).toEqual([]);
    expect(tenants.find((t) => t.id === secrets.victimTenantId)?.rateLimits).toEqual({});
    const victimKeys = (await adminCall(keys.baseUrl, 'GET', `/admin/keys?tenantId=${secrets.victimTenantId}`)).json['data'] as { name: string }[];
    expect(victimKeys.map((k) => k.name)).toEqual(['victim']);
    expect((await adminCall(keys.baseUrl, 'GET', `/admin/tenants/${secrets.victimTenantId}/admin-keys`)).json['data']).toEqual([]);
    expect(await wellFormedCall(keys, victimSecret)).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();

    // The 2,000 requests carry about 21 MB of bodies (the 300 KB-1 MB ones, the 200 KB strings, the
    // deep arrays); locally the heap plus buffers settle about 2 MB above the warm baseline (label
    // sets, caches and pools that fill once). 12 MB is well clear of that, yet each request keeping
    // only 6 KB (less than its request and reply objects, let alone its body) would break it.
    const after = await settledHeap();
    const grownMb = (after - before) / (1024 * 1024);
    expect(grownMb, `heap + buffers grew by ${grownMb.toFixed(1)} MB (before ${(before / 2 ** 20).toFixed(1)} MB, after ${(after / 2 ** 20).toFixed(1)} MB)`).toBeLessThan(12);
  }, 240_000);
});

import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, FAKE_PROVIDER_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

/** The part of the key an echo would contain even if an upstream trimmed its ends. */
const KEY_CORE = 'SECRET-provider-key';

/**
 * Everything the gateway emits during a run: response status lines, headers and bodies, its log
 * output (stdout and stderr), its OTel spans, and the span rows in Postgres. Upstreams here echo
 * the provider key back in error messages and headers, as real ones do ("Incorrect API key
 * provided: sk-..."); none of it may carry the key on.
 */
describe('provider keys never leave the gateway', () => {
  let h: GatewayHarness;
  const exporter = new InMemorySpanExporter();
  const emitted: string[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        emitted.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return write(chunk, ...rest);
      });
      restore.push(() => (stream.write = write));
    }
    h = await startGatewayHarness({ spanProcessors: [new SimpleSpanProcessor(exporter)], liveState: { breaker: { consecutiveFailures: 100 } } });
  });
  afterAll(async () => {
    await h.close();
    for (const r of restore) r();
  });

  const capture = async (path: string, init: RequestInit = {}): Promise<void> => {
    const res = await fetch(`${h.baseUrl}${path}`, init);
    emitted.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
  };
  const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<void> =>
    capture('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('is in no response, log line, OTel span or span row, even when upstreams echo it', async () => {
    const echo = `Incorrect API key provided: ${FAKE_PROVIDER_KEY}. You can find your API key at https://example.invalid.`;
    for (const upstream of [h.upstreamA, h.upstreamB]) {
      upstream.enqueue(
        { kind: 'error', status: 401, code: 'invalid_api_key', message: echo, headers: { 'x-echo': FAKE_PROVIDER_KEY } },
        { kind: 'error', status: 500, message: echo, headers: { 'x-echo': FAKE_PROVIDER_KEY } },
        { kind: 'error', status: 429, message: echo, headers: { 'retry-after': '0', 'x-echo': FAKE_PROVIDER_KEY } },
        { kind: 'error-after-chunks', chunks: 2, message: echo },
        { kind: 'error', status: 400, code: 'context_length_exceeded', message: echo },
      );
    }
    h.anthropic.enqueue({ kind: 'error', status: 401, message: echo }, { kind: 'error', status: 529, message: echo });
    const messages = [{ role: 'user', content: 'hello' }];
    for (let i = 0; i < 6; i++) {
      await chat({ model: 'gpt-a', messages });
      await chat({ model: 'gpt-a', messages }, { 'x-switchyard-workload': 'with-fallback' });
      await chat({ model: 'gpt-a', messages, stream: true });
    }
    await chat({ model: 'claude', messages });
    await chat({ model: 'claude', messages, stream: true });
    await chat({ model: 'claude', messages });
    await chat({ model: 'dead-model', messages });
    await capture('/v1/embeddings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'embed', input: 'x' }) });
    await chat({ model: 'gpt-a', messages: 'not a list' });
    await chat({ model: 'no-such-model', messages });
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    for (const path of ['/v1/models', '/healthz', '/readyz', '/metrics', '/admin/deployments', '/admin/policy', '/admin/queues/judge/failed']) await capture(path, { headers: admin });

    // The key did travel where it belongs: to the upstreams.
    expect(JSON.stringify(h.upstreamA.requests.map((r) => r.headers))).toContain(FAKE_PROVIDER_KEY);

    await new Promise((r) => setTimeout(r, 300));
    const otel = exporter.getFinishedSpans();
    expect(otel.length).toBeGreaterThan(15);
    for (const span of otel) emitted.push(JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status }));
    const database = createTestDatabase({ max: 1 });
    try {
      const ids = otel.map((s) => s.spanContext().spanId);
      const { rows } = await database.pool.query<Record<string, unknown>>('select * from spans where span_id = any($1)', [ids]);
      expect(rows.length).toBe(ids.length);
      for (const row of rows) {
        emitted.push(JSON.stringify(row));
        await capture(`/admin/spans/${String(row['span_id'])}`, { headers: admin });
      }
    } finally {
      await database.close();
    }

    const everything = emitted.join('\n');
    // The run did produce the echoed errors: only their key was removed.
    expect(everything).toContain('Incorrect API key provided');
    expect(everything).not.toContain(FAKE_PROVIDER_KEY);
    expect(everything).not.toContain(KEY_CORE);
  });
});

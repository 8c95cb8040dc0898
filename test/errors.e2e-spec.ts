import { loadOpenAiSchemas } from '@switchyard/testing';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_PROVIDER_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

interface Envelope {
  error: { message: string; type: string; code: string | null; param: string | null };
}

describe('errors leave the gateway in the OpenAI envelope with the right status', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    // Each case fails the same deployment on purpose: keep breakers and cool-downs out of the way (routing.e2e-spec covers them).
    h = await startGatewayHarness({ bodyLimitBytes: 64 * 1024, firstByteMs: 400, liveState: { breaker: { consecutiveFailures: 1_000, minRequests: 1_000 }, maxCooldownMs: 1 } });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = async (body: string, headers: Record<string, string> = {}, path = '/v1/chat/completions'): Promise<{ status: number; body: Envelope; headers: Headers }> => {
    const res = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    const parsed = JSON.parse(text) as Envelope;
    schemas.assertValid('ErrorResponse', parsed);
    expect(text).not.toContain(FAKE_PROVIDER_KEY);
    return { status: res.status, body: parsed, headers: res.headers };
  };

  /** Calls through the real openai client and returns the APIError it raised. */
  const sdkError = async (model: string): Promise<APIError> => {
    try {
      await h.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] });
    } catch (err) {
      if (err instanceof APIError) {
        expect(JSON.stringify(err.error)).not.toContain(FAKE_PROVIDER_KEY);
        return err;
      }
      throw err;
    }
    throw new Error('expected the call to fail');
  };

  describe('malformed input', () => {
    it.each([
      ['invalid JSON', '{"model": "auto", "messages": [', 400, 'invalid_json', null],
      ['a JSON array', '[1,2]', 400, 'invalid_json', null],
      ['an empty body', '', 400, 'invalid_json', null],
      ['missing messages', '{"model":"auto"}', 400, 'missing_required_parameter', 'messages'],
      ['missing model', '{"messages":[{"role":"user","content":"x"}]}', 400, 'missing_required_parameter', 'model'],
      ['messages of the wrong type', '{"model":"auto","messages":"hi"}', 400, 'invalid_type', 'messages'],
      ['an unknown role', '{"model":"auto","messages":[{"role":"wizard","content":"x"}]}', 400, 'invalid_value', 'messages[0].role'],
      ['negative max_tokens', '{"model":"auto","messages":[{"role":"user","content":"x"}],"max_tokens":-5}', 400, 'invalid_value', 'max_tokens'],
      ['temperature out of range', '{"model":"auto","messages":[{"role":"user","content":"x"}],"temperature":9}', 400, 'invalid_value', 'temperature'],
      ['a tool message without tool_call_id', '{"model":"auto","messages":[{"role":"tool","content":"x"}]}', 400, 'missing_required_parameter', 'messages[0].tool_call_id'],
      ['an unknown model', '{"model":"gpt-17","messages":[{"role":"user","content":"x"}]}', 404, 'model_not_found', 'model'],
      ['an embedding model for chat', '{"model":"embed","messages":[{"role":"user","content":"x"}]}', 400, 'model_not_supported', 'model'],
    ])('%s', async (_name, body, status, code, param) => {
      const res = await post(body);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.param).toBe(param);
      expect(res.body.error.type).toBe('invalid_request_error');
    });

    it('rejects a body over the configured limit with 413', async () => {
      const res = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('request_too_large');
    });

    it('rejects a malformed workload header', async () => {
      const res = await post('{"model":"auto","messages":[{"role":"user","content":"x"}]}', { 'x-switchyard-workload': '../../etc/passwd' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_workload');
    });

    it('parses JSON sent without a JSON content type', async () => {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"model":"auto","messages":[{"role":"user","content":"x"}]}' });
      expect(res.status).toBe(200);
    });

    it('answers an unknown URL with a 404 envelope', async () => {
      const res = await post('{}', {}, '/v1/nope');
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe('invalid_request_error');
    });
  });

  describe('upstream failures, after every fallback', () => {
    it('429 with Retry-After stays a 429 carrying Retry-After', async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '7' }, code: 'rate_limit_exceeded' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(429);
      expect(err.headers?.get('retry-after')).toBe('7');
      expect(err.type).toBe('rate_limit_error');
    });

    it('500 becomes 502 naming the attempt', async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 500, message: 'internal' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(502);
      expect(err.code).toBe('upstream_unavailable');
      expect(err.message).toContain('gpt-a via fake-a: server_error (HTTP 500)');
    });

    it('both candidates failing is a 502 that names both attempts', async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 502 });
      h.upstreamB.enqueue({ kind: 'error', status: 503 });
      const err = await sdkError('with-fallback');
      expect(err.status).toBe(502);
      expect(err.message).toContain('gpt-a via fake-a');
      expect(err.message).toContain('gpt-b via fake-b');
      const span = await h.waitForSpan(err.headers?.get('x-switchyard-span-id') ?? '');
      expect(span.status).toBe('error');
      expect(span.attempts).toHaveLength(2);
    });

    it('an upstream auth failure is a 502 that never shows the provider key', async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${FAKE_PROVIDER_KEY}` });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(502);
      expect(err.message).not.toContain(FAKE_PROVIDER_KEY);
      expect(err.message).toContain('auth');
    });

    it("the upstream's context-length 400 reaches the client as a 400 with its code", async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 400, code: 'context_length_exceeded', message: 'too long' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(400);
      expect(err.code).toBe('context_length_exceeded');
    });

    it('a content filter refusal is a 400 content_filter', async () => {
      h.upstreamA.enqueue({ kind: 'error', status: 400, code: 'content_filter', message: 'filtered' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(400);
      expect(err.code).toBe('content_filter');
    });

    it('a hanging upstream times out as a 504 within the configured first-byte timeout', async () => {
      h.upstreamA.enqueue({ kind: 'hang' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(504);
      expect(err.code).toBe('upstream_timeout');
    });

    it('a dropped socket is a connection failure (502)', async () => {
      h.upstreamA.enqueue({ kind: 'drop-socket' });
      const err = await sdkError('gpt-a');
      expect(err.status).toBe(502);
      expect(err.message).toContain('connection');
    });

    it('a refused connection is a 502, and the fallback serves the workload', async () => {
      const err = await sdkError('dead-model');
      expect(err.status).toBe(502);
      const ok = await h.client.chat.completions.create({ model: 'dead-first', messages: [{ role: 'user', content: 'x' }] }).withResponse();
      expect(ok.response.headers.get('x-switchyard-model')).toBe('gpt-b');
    });

    it('maps Anthropic errors the same way', async () => {
      h.anthropic.enqueue({ kind: 'error', status: 529, code: 'overloaded_error' });
      const err = await sdkError('claude');
      expect(err.status).toBe(502);
      expect(err.message).toContain('server_error');
    });
  });
});

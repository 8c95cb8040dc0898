import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

interface DeploymentEntry {
  model: string;
  observed: boolean;
  snapshot?: { available: boolean };
  breaker?: { state: string; lastFailureClass?: string };
}

describe('active health probes feed the breaker, with no client traffic at all', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: ['probed'],
      healthProbe: { intervalMs: 50, timeoutMs: 500, prompt: 'health?' },
      liveState: { breaker: { consecutiveFailures: 2, cooldownMs: 200 } },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const probed = async (): Promise<DeploymentEntry | undefined> => {
    const res = await fetch(`${h.baseUrl}/admin/deployments`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const body = (await res.json()) as { data: DeploymentEntry[] };
    return body.data.find((d) => d.model === 'probed');
  };

  it('opens the breaker on failing probes, and closes it when the upstream recovers', async () => {
    const upstream = h.pool.get('probed')!;
    upstream.setBehaviour(() => ({ kind: 'error', status: 503, message: 'down' }));
    await eventually(async () => (await probed())?.breaker?.state === 'open', 2_000, 'breaker opened by probes');
    expect(await probed()).toMatchObject({ snapshot: { available: false }, breaker: { lastFailureClass: 'server_error' } });
    // The probe is the configured tiny prompt, sent to the upstream model, never streamed.
    const sent = upstream.requests.at(-1)?.body as { messages: { content: string }[]; stream?: boolean; max_tokens: number };
    expect(sent.messages[0]?.content).toBe('health?');
    expect(sent.stream).toBeUndefined();

    upstream.setBehaviour(undefined);
    // After the cool-down a probe is the half-open trial; its success closes the breaker.
    await eventually(async () => (await probed())?.breaker?.state === 'closed', 2_000, 'breaker closed by a successful probe');
    const { response } = await h.client.chat.completions.create({ model: 'probed', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('probed');
  });
});

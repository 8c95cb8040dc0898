import { describe, expect, it } from 'vitest';
import { planProbe } from './shadow-probe.plan.js';

const pricing = { inputUsdPerMTok: 1, outputUsdPerMTok: 2 };
const messages = [{ role: 'user', content: 'Summarise this.' }];

describe('planProbe', () => {
  it('replays unstreamed to the target, capping the output at four times the served answer when the client set no cap', () => {
    const plan = planProbe({ model: 'auto', stream: true, stream_options: { include_usage: true }, messages, tools: [] }, 'other', pricing, { inputTokens: 1_000, outputTokens: 300 });
    expect(plan.body).toEqual({ model: 'other', stream: false, messages, tools: [], max_completion_tokens: 1_200 });
    // (1,000 x 1.2 + 16) in and 1,200 out.
    expect(plan.estimateUsd).toBeCloseTo((1_216 * 1 + 1_200 * 2) / 1e6, 15);
  });

  it("keeps the client's cap, and prices every choice it asked for", () => {
    const plan = planProbe({ model: 'auto', messages, max_completion_tokens: 50, max_tokens: 900, n: 3 }, 'other', pricing, { inputTokens: 10, outputTokens: 40 });
    expect(plan.body).toEqual({ model: 'other', stream: false, messages, max_completion_tokens: 50, max_tokens: 900, n: 3 });
    expect(plan.estimateUsd).toBeCloseTo((28 * 1 + 150 * 2) / 1e6, 15);
  });

  it('without token counts, reckons three characters a token and the minimum cap', () => {
    const plan = planProbe({ model: 'auto', messages }, 'other', pricing, { inputTokens: null, outputTokens: null });
    const inputTokens = Math.ceil(JSON.stringify(messages).length / 3);
    expect(plan.body).toMatchObject({ max_completion_tokens: 512 });
    expect(plan.estimateUsd).toBeCloseTo((Math.ceil(inputTokens * 1.2) + 16 + 512 * 2) / 1e6, 15);
  });
});

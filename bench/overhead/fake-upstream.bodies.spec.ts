import { loadOpenAiSchemas } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { FAKE_COMPLETION, FAKE_SSE } from './fake-upstream.bodies.js';

describe('bench fake upstream bodies', () => {
  const schemas = loadOpenAiSchemas();

  it('answers a valid chat completion with usage', () => {
    const completion = JSON.parse(FAKE_COMPLETION.toString('utf8')) as { usage: { total_tokens: number } };
    schemas.assertValid('CreateChatCompletionResponse', completion);
    expect(completion.usage.total_tokens).toBe(34);
  });

  it('streams valid chunks, the text, a usage chunk and [DONE]', () => {
    const events = FAKE_SSE.toString('utf8').split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string } }>; usage?: { completion_tokens: number } });
    for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('')).toBe('The quick brown fox jumps over the lazy dog.');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(10);
  });
});

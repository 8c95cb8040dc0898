import { describe, expect, it } from 'vitest';
import { chatFeatures, embeddingsFeatures } from './request-features.builder.js';

const chat = (messages: unknown[], extra: Record<string, unknown> = {}) => chatFeatures({ model: 'auto', messages, ...extra }, {}, undefined);
const prose = (chars: number): string => 'The shipment left the warehouse on Monday and should arrive soon. '.repeat(Math.ceil(chars / 66)).slice(0, chars);

describe('chatFeatures: code and script signals', () => {
  it('finds code in a user message, as a string or as text parts', () => {
    expect(chat([{ role: 'user', content: 'Why does `x` fail?\n```py\nprint(x)\n```' }]).hasCode).toBe(true);
    expect(chat([{ role: 'user', content: [{ type: 'text', text: 'Explain:' }, { type: 'text', text: 'const f = (a) => a * 2;' }] }]).hasCode).toBe(true);
    expect(chat([{ role: 'user', content: 'Where is my parcel?' }]).hasCode).toBe(false);
  });

  it('reads system and developer messages, not assistant or tool messages', () => {
    expect(chat([{ role: 'system', content: 'Answer with SELECT ... FROM queries only.' }, { role: 'user', content: 'Top customers?' }]).hasCode).toBe(true);
    expect(chat([{ role: 'developer', content: 'def run(task):' }, { role: 'user', content: 'Go.' }]).hasCode).toBe(true);
    const answered = chat([
      { role: 'user', content: 'Show me an example.' },
      { role: 'assistant', content: '```js\nfunction f() {}\n```' },
      { role: 'tool', tool_call_id: 't1', content: 'struct s { int a; };' },
      { role: 'user', content: 'Thanks, and in words?' },
    ]);
    expect(answered.hasCode).toBe(false);
  });

  it('gives the share of non-Latin letters over the prompt, 0 without letters', () => {
    expect(chat([{ role: 'user', content: 'Где мой заказ?' }]).nonLatinShare).toBe(1);
    expect(chat([{ role: 'system', content: 'Reply briefly.' }, { role: 'user', content: 'Где мой заказ?' }]).nonLatinShare).toBeCloseTo(11 / 23, 6);
    expect(chat([{ role: 'user', content: 'Where is my order?' }]).nonLatinShare).toBe(0);
    expect(chat([{ role: 'user', content: '1 + 1 = ?' }]).nonLatinShare).toBe(0);
    expect(chat([]).nonLatinShare).toBe(0);
  });

  it('reads only the ends of a long prompt: code at either end counts, code in the middle does not', () => {
    const code = '```\nmake build\n```';
    const long = (at: 'start' | 'middle' | 'end'): string =>
      at === 'start' ? code + prose(100_000) : at === 'middle' ? prose(50_000) + code + prose(50_000) : prose(100_000) + code;
    expect(chat([{ role: 'user', content: long('start') }]).hasCode).toBe(true);
    expect(chat([{ role: 'user', content: long('end') }]).hasCode).toBe(true);
    expect(chat([{ role: 'user', content: long('middle') }]).hasCode).toBe(false);
    // The system prompt is the start of the prompt, a short last question its end.
    expect(chat([{ role: 'system', content: `You review code.\n${code}` }, { role: 'user', content: prose(100_000) }]).hasCode).toBe(true);
    expect(chat([{ role: 'user', content: prose(100_000) }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'Now: () => 1' }]).hasCode).toBe(true);
  });

  it('leaves the other features as they were: tokens count every message, the system prompt is joined', () => {
    const f = chat(
      [
        { role: 'system', content: 'a'.repeat(40) },
        { role: 'user', content: 'b'.repeat(30) },
        { role: 'assistant', content: 'c'.repeat(30) },
      ],
    );
    expect(f).toMatchObject({ inputTokens: 25, messageCount: 3, hasTools: false, systemPrompt: 'a'.repeat(40), hasCode: false, nonLatinShare: 0 });
  });
});

describe('embeddingsFeatures: code and script signals', () => {
  it('reads text inputs, one or many, and none from token arrays', () => {
    const of = (input: unknown) => embeddingsFeatures({ model: 'embed', input }, {}, undefined);
    expect(of('function f(x) { return x }')).toMatchObject({ hasCode: true, nonLatinShare: 0 });
    expect(of(['Где мой заказ?', 'Where is my order?'])).toMatchObject({ hasCode: false });
    expect(of(['Где мой заказ?', 'Where is my order?']).nonLatinShare).toBeCloseTo(11 / 25, 6);
    expect(of([[1, 2, 3]])).toMatchObject({ inputTokens: 3, hasCode: false, nonLatinShare: 0 });
  });
});

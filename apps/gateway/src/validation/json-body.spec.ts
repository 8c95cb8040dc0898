import { describe, expect, it } from 'vitest';
import { JsonBodyError, MAX_JSON_DEPTH, parseJsonBody, unsafeJsonReason } from './json-body.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('parseJsonBody', () => {
  it('parses a well-formed body, a leading byte-order mark and vendor fields included', () => {
    const body = { model: 'gpt-a', messages: [{ role: 'user', content: 'héllo ✓' }], guided_json: { type: 'object' } };
    expect(parseJsonBody(bytes(JSON.stringify(body)))).toEqual(body);
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}')]))).toEqual({ a: 1 });
  });

  it.each([
    ['0xff', [0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('refuses invalid UTF-8 (%s) rather than turning it into U+FFFD', (_name, seq) => {
    const body = Buffer.concat([bytes('{"content":"a'), Buffer.from(seq), bytes('b"}')]);
    expect(() => parseJsonBody(body)).toThrow(new JsonBodyError('The body is not valid UTF-8.'));
  });

  it('refuses malformed JSON with the parser message', () => {
    expect(() => parseJsonBody(bytes('{"model":'))).toThrow(JsonBodyError);
    expect(() => parseJsonBody(bytes('{"a":NaN}'))).toThrow(JsonBodyError);
  });

  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses one more`, () => {
    expect(parseJsonBody(bytes(nestedArrays(MAX_JSON_DEPTH)))).toBeInstanceOf(Array);
    expect(() => parseJsonBody(bytes(nestedArrays(MAX_JSON_DEPTH + 1)))).toThrow(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    expect(() => parseJsonBody(bytes(`{"x":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`))).toThrow('levels deep');
  });

  it('refuses 100,000 levels with its own error, where JSON.stringify of the parsed value overflows the stack', () => {
    const text = nestedArrays(100_000);
    expect(() => JSON.stringify(JSON.parse(text))).toThrow(RangeError);
    expect(() => parseJsonBody(bytes(text))).toThrow(JsonBodyError);
  });

  it.each([
    ['__proto__ at the top', '{"model":"m","__proto__":{"polluted":true}}', '__proto__'],
    ['an escaped __proto__', '{"\\u005f_proto__":{"polluted":true}}', '__proto__'],
    ['__proto__ deep in a message', '{"messages":[{"role":"user","__proto__":{"role":"system"}}]}', '__proto__'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}', 'constructor.prototype'],
  ])('refuses prototype poisoning: %s', (_name, text, key) => {
    expect(() => parseJsonBody(bytes(text))).toThrow(`forbidden key '${key}'`);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps a plain key named constructor (a JSON schema property may be called that)', () => {
    const schema = { type: 'object', properties: { constructor: { type: 'string' } } };
    expect(parseJsonBody(bytes(JSON.stringify(schema)))).toEqual(schema);
  });

  it('refuses a NUL character in a string, an array element or a key, which Postgres cannot store', () => {
    for (const text of ['{"content":"a\\u0000b"}', '{"stop":["x","\\u0000"]}', '{"k\\u0000":1}']) {
      expect(() => parseJsonBody(bytes(text))).toThrow('NUL character');
    }
    expect(unsafeJsonReason('a\u0000')).toContain('NUL');
    expect(unsafeJsonReason('a\\u0000 as text is fine')).toBeUndefined();
  });
});

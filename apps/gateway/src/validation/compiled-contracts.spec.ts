import { chatCompletionRequestSchema } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { compiledChatCompletionRequestSchema } from './compiled-contracts.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VALID: Json[] = [
  { model: 'auto', messages: [{ role: 'user', content: 'hi' }] },
  {
    model: 'gpt-a',
    messages: [
      { role: 'system', content: 'Be brief.', name: 'sys' },
      { role: 'developer', content: [{ type: 'text', text: 'dev' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          { type: 'file', file: { file_id: 'f1' } },
        ],
        vendor_field: { nested: [1, 2] },
      },
      { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
      { role: 'assistant' },
      { role: 'tool', content: 'result', tool_call_id: 'c1' },
      { role: 'function', content: null, name: 'legacy' },
    ],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.7,
    top_p: 1,
    n: 1,
    max_tokens: 128,
    max_completion_tokens: null,
    stop: ['\n', 'END'],
    presence_penalty: -2,
    frequency_penalty: 2,
    logit_bias: { '50256': -100 },
    logprobs: true,
    top_logprobs: 20,
    seed: -7,
    user: 'u-1',
    metadata: { k: 'v' },
    tools: [{ type: 'function', function: { name: 'lookup_order-1', description: 'd', parameters: { type: 'object' }, strict: true } }],
    tool_choice: { type: 'function', function: { name: 'lookup_order-1' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: null } },
    guided_json: { vendor: 'extension' },
  },
  { model: 'm', messages: [{ role: 'user', content: 'x' }], stop: 'END', tool_choice: 'required', response_format: { type: 'json_object' }, stream: null, stream_options: null },
];

// Wrong types, boundary numbers, empty and oversized strings (UTF-16 units vs code points), containers.
const REPLACEMENTS: Json[] = [
  null, true, 0, -1, 1, 1.5, 2, 2.0000001, -100.5, 128, 129, 9007199254740991, 9007199254740992, 1e308, -1e308,
  '', 'x', 'auto', 'none', 'function', 'text', 'user', 'image_url', '😀'.repeat(40), 'a'.repeat(65), 'a'.repeat(257), 'a'.repeat(513), 'bad name!',
  [], [null], ['a', 'b', 'c', 'd', 'e'], [{}], {}, { type: 'text' }, { role: 'user' },
];

/** Every path to a value in a JSON document, the root excluded. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** A deep copy with the value at `path` replaced, or removed when `replacement` is undefined. */
function mutate(doc: Json, path: (string | number)[], replacement: Json | undefined): Json {
  const copy = structuredClone(doc);
  let parent = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (replacement !== undefined) parent[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

function* corpus(): Generator<unknown> {
  yield* [undefined, null, 'text', 1, [], {}];
  for (const doc of VALID) {
    yield doc;
    for (const path of paths(doc)) {
      yield mutate(doc, path, undefined);
      for (const replacement of REPLACEMENTS) yield mutate(doc, path, replacement);
    }
    for (const key of ['extra', 'temperature', 'metadata', 'logit_bias', 'tools']) {
      for (const replacement of REPLACEMENTS) yield { ...(doc as Record<string, Json>), [key]: replacement };
    }
  }
}

describe('compiledChatCompletionRequestSchema', () => {
  it('accepts and refuses exactly what the zod contract does, with the same data and the same issues', () => {
    let accepted = 0;
    let refused = 0;
    for (const input of corpus()) {
      const runtime = chatCompletionRequestSchema.safeParse(input, { reportInput: true });
      const compiled = compiledChatCompletionRequestSchema.safeParse(input, { reportInput: true });
      expect(compiled.success, JSON.stringify(input)).toBe(runtime.success);
      if (runtime.success) {
        accepted++;
        expect(compiled.data).toEqual(runtime.data);
      } else {
        refused++;
        expect(compiled.error?.issues).toEqual(runtime.error.issues);
      }
    }
    // The corpus exercises both sides broadly.
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(1_000);
  });
});

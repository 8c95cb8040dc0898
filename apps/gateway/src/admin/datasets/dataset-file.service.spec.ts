import { describe, expect, it } from 'vitest';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { InvalidDatasetError } from './dataset-file.errors.js';
import { DatasetFileService } from './dataset-file.service.js';

const service = new DatasetFileService({ maxBytes: 1024 * 1024, maxItems: 1_000 });
const buf = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The error `fn` throws, for assertions on its fields. */
function thrown(fn: () => unknown): OpenAiHttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OpenAiHttpError) return error;
    throw error;
  }
  throw new Error('expected an OpenAiHttpError');
}
const issuesOf = (fn: () => unknown) => {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(InvalidDatasetError);
  return (error as InvalidDatasetError).issues;
};

describe('DatasetFileService', () => {
  describe('formatOf', () => {
    it('takes ?format first, then the media type, then the file extension', () => {
      expect(service.formatOf({ format: 'csv', contentType: 'application/json' })).toBe('csv');
      expect(service.formatOf({ contentType: 'application/x-ndjson; charset=utf-8' })).toBe('jsonl');
      expect(service.formatOf({ contentType: 'Text/CSV' })).toBe('csv');
      expect(service.formatOf({ contentType: 'application/json' })).toBe('json');
      expect(service.formatOf({ contentType: 'application/octet-stream', filename: 'x.NDJSON' })).toBe('jsonl');
    });

    it('answers 415 when nothing says', () => {
      const error = thrown(() => service.formatOf({ contentType: 'text/plain', filename: 'data.txt' }));
      expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type', param: 'format' });
    });
  });

  describe('JSONL', () => {
    it('reads one item per non-blank line, defaults metadata, and tolerates CRLF and a BOM', () => {
      const items = service.parse(buf('\uFEFF{"input":"a"}\r\n\r\n  \n{"input":[{"role":"user","content":"b"}],"expected":{"k":1},"workload":"w","metadata":{"m":true},"span_id":"0123456789abcdef"}\r\n'), 'jsonl');
      expect(items).toEqual([
        { input: 'a', metadata: {} },
        { input: [{ role: 'user', content: 'b' }], expected: { k: 1 }, workload: 'w', metadata: { m: true }, span_id: '0123456789abcdef' },
      ]);
    });

    it('names every bad line by its number in the file, blank lines counted', () => {
      const text = ['{"input":"ok"}', '', '{"input":', '{"input":"  "}', '{"input":"x","extra":1,"more":2}', '"just a string"', '{"input":"x","workload":"Bad Name","span_id":"xyz"}', '{}'].join('\n');
      const issues = issuesOf(() => service.parse(buf(text), 'jsonl'));
      expect(issues.map((i) => i.line)).toEqual([3, 4, 5, 6, 7, 8]);
      expect(issues[0]?.reason).toMatch(/^invalid JSON/);
      expect(issues[1]?.reason).toBe("'input': must not be empty or blank");
      expect(issues[2]?.reason).toBe("unknown fields 'extra', 'more'");
      expect(issues[4]?.reason).toMatch(/'workload': .*; 'span_id': must be 16 lower-case hex characters/);
      expect(issues[5]?.reason).toBe("missing 'input'");
    });

    it('names the bad field inside a message list', () => {
      const issues = issuesOf(() => service.parse(buf('{"input":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]}'), 'jsonl'));
      expect(issues).toEqual([{ line: 1, reason: expect.stringContaining("'input[1].role'") as unknown }]);
    });

    it('lists the first 100 issues and counts them all', () => {
      const error = thrown(() => service.parse(buf(Array.from({ length: 250 }, () => '{}').join('\n')), 'jsonl')) as InvalidDatasetError;
      expect(error.issues).toHaveLength(100);
      expect(error.issueCount).toBe(250);
      expect(error.toEnvelope().error).toMatchObject({ code: 'invalid_dataset', issue_count: 250 });
      expect(error.message).toContain('250 invalid lines');
      expect(error.message).toContain('and 240 more');
    });

    it('refuses more items than the limit before validating them', () => {
      const error = thrown(() => service.parse(buf('{}\n'.repeat(1_001)), 'jsonl'));
      expect(error).toMatchObject({ status: 422, code: 'too_many_items' });
    });
  });

  describe('JSON array', () => {
    it('names bad elements by the line they start on, whatever brackets and quotes their strings hold', () => {
      const text = `[
  {"input": "has ] and } and \\" and [ inside", "metadata": {"nested": [1, {"a": [2]}]}},
  {"input": ""},
  {"input": [{"role": "user", "content": "fine"}]}, {"input": 3}
]`;
      const issues = issuesOf(() => service.parse(buf(text), 'json'));
      expect(issues.map((i) => i.line)).toEqual([3, 4]);
    });

    it('points at the line of a syntax error, and refuses anything but an array', () => {
      expect(issuesOf(() => service.parse(buf('[\n{"input": "a"},\n{"input": }\n]'), 'json'))[0]?.line).toBe(3);
      // Each broken element is named, as in JSONL; a stray comma is an empty element.
      expect(issuesOf(() => service.parse(buf('[\n{"input": x},\n{"input": "b"},\n{"input" "c"},\n]'), 'json')).map((i) => i.line)).toEqual([2, 4, 5]);
      expect(issuesOf(() => service.parse(buf('[\n{"input": "a"}\n'), 'json'))[0]?.reason).toMatch(/^invalid JSON/);
      expect(issuesOf(() => service.parse(buf('[{"input": "a"}] trailing'), 'json'))[0]?.reason).toMatch(/^invalid JSON/);
      expect(issuesOf(() => service.parse(buf('\n\n{"input": "a"}'), 'json'))).toEqual([{ line: 3, reason: 'a JSON dataset file must be an array of items' }]);
      expect(thrown(() => service.parse(buf('[]'), 'json'))).toMatchObject({ code: 'empty_dataset' });
    });
  });

  describe('CSV', () => {
    it('takes cells as text, except metadata, which is JSON; an empty cell is an absent field', () => {
      const items = service.parse(buf('input,expected,workload,metadata,span_id\n"a, b","{""x"": 1}",w,"{""k"": [1]}",0123456789abcdef\nplain,,,,\n'), 'csv');
      expect(items).toEqual([
        { input: 'a, b', expected: '{"x": 1}', workload: 'w', metadata: { k: [1] }, span_id: '0123456789abcdef' },
        { input: 'plain', metadata: {} },
      ]);
    });

    it('counts the header as line 1 and multi-line cells as the lines they span', () => {
      const text = 'input,metadata\n"one\ntwo\nthree",\nok,[1]\n"x",\n,\nshort\n';
      const issues = issuesOf(() => service.parse(buf(text), 'csv'));
      expect(issues).toEqual([
        { line: 5, reason: "'metadata': Invalid input: expected record, received array" },
        { line: 7, reason: "'input': must not be empty or blank" },
        { line: 8, reason: 'has 1 cells; the header has 2' },
      ]);
    });

    it('refuses a header with unknown, duplicate or missing columns, and a broken quote', () => {
      expect(issuesOf(() => service.parse(buf('input,input,answer\na,b,c\n'), 'csv')).map((i) => i.reason)).toEqual([
        "unknown column 'answer'; use input, expected, workload, metadata, span_id",
        "duplicate column 'input'",
      ]);
      expect(issuesOf(() => service.parse(buf('expected\nx\n'), 'csv'))).toEqual([{ line: 1, reason: "missing the 'input' column" }]);
      expect(issuesOf(() => service.parse(buf('input\nok\n"never closed\n'), 'csv'))[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/^invalid CSV/) as unknown });
    });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(thrown(() => service.parse(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'jsonl'))).toMatchObject({ status: 422, code: 'invalid_encoding' });
  });
});

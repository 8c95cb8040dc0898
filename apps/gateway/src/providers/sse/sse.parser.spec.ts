import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse.parser.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const fields = (events: SseEvent[]): Array<{ event?: string; data?: string }> => events.map(({ event, data }) => ({ event, data }));

describe('SseParser', () => {
  it('parses complete events separated by \\n\\n', () => {
    const parser = new SseParser();
    const events = parser.push(bytes('data: {"a":1}\n\ndata: [DONE]\n\n'));
    expect(fields(events)).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }]);
    expect(dec.decode(events[0].raw)).toBe('data: {"a":1}\n\n');
  });

  it('parses \\r\\n line endings', () => {
    const parser = new SseParser();
    const events = parser.push(bytes('event: ping\r\ndata: {}\r\n\r\ndata: x\r\n\r\n'));
    expect(fields(events)).toEqual([{ event: 'ping', data: '{}' }, { data: 'x' }]);
    expect(dec.decode(events[0].raw)).toBe('event: ping\r\ndata: {}\r\n\r\n');
  });

  it('reassembles events split across chunks, byte by byte', () => {
    const parser = new SseParser();
    const input = 'event: message_start\ndata: {"t":"héllo"}\n\nevent: ping\r\ndata: {}\r\n\r\n';
    const events: SseEvent[] = [];
    for (const b of bytes(input)) events.push(...parser.push(Uint8Array.of(b)));
    expect(fields(events)).toEqual([
      { event: 'message_start', data: '{"t":"héllo"}' },
      { event: 'ping', data: '{}' },
    ]);
    expect(events.map((e) => dec.decode(e.raw)).join('')).toBe(input);
  });

  it('joins multi-line data with \\n and ignores comments and unknown fields', () => {
    const parser = new SseParser();
    const events = parser.push(bytes(': keep-alive\nid: 7\nretry: 10\ndata: line one\ndata:line two\n\n'));
    expect(fields(events)).toEqual([{ data: 'line one\nline two' }]);
  });

  it('reports comment-only events without data so they can be passed through', () => {
    const parser = new SseParser();
    expect(fields(parser.push(bytes(': ping\n\n')))).toEqual([{}]);
  });

  it('keeps an incomplete event until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push(bytes('data: par'))).toEqual([]);
    expect(parser.push(bytes('tial\n'))).toEqual([]);
    expect(fields(parser.push(bytes('\ndata: next')))).toEqual([{ data: 'partial' }]);
    expect(fields(parser.flush())).toEqual([{ data: 'next' }]);
    expect(parser.flush()).toEqual([]);
  });

  it('flushes a final event that ends with a single newline', () => {
    const parser = new SseParser();
    expect(fields(parser.push(bytes('data: a\n\ndata: [DONE]\n')))).toEqual([{ data: 'a' }]);
    expect(fields(parser.flush())).toEqual([{ data: '[DONE]' }]);
  });
});

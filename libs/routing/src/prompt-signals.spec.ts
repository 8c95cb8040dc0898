import { describe, expect, it } from 'vitest';
import { edgeText, hasCodeShape, nonLatinShareOf, SIGNAL_EDGE_CHARS } from './prompt-signals.js';

describe('hasCodeShape', () => {
  it.each([
    ['a Markdown code fence', 'Why does this fail?\n```\nnpm ERR! missing script\n```'],
    ['a C include', '#include <stdio.h>\nint main(void) { return 0; }'],
    ['a Python def', 'Fix this:\n\ndef total(orders, tax=0.2) -> float:\n    return sum(orders)'],
    ['a JavaScript function', 'function add(a, b) {\n  return a + b\n}'],
    ['an anonymous function', 'button.onclick = function () { go() }'],
    ['upper-case SQL', 'SELECT id, name\nFROM users WHERE active'],
    ['an arrow function', 'const ids = rows.map((r) => r.id)'],
    ['a C-family block end', 'struct point { int x; int y; };'],
    ['a block end inside a longer text', 'const cfg = {\n  port: 8080,\n};\nexport default cfg'],
  ])('finds %s', (_label, text) => {
    expect(hasCodeShape(text)).toBe(true);
  });

  it.each([
    ['prose using code words', 'Explain the function of the heart (the organ) and define its role. Select one answer from the list below.'],
    ['lower-case "select ... from"', 'Please select a gift from our catalogue; we deliver within a week.'],
    ['an arrow in prose', 'Paris => France, Rome => Italy.'],
    ['a brace and a semicolon inside a sentence', 'Use braces {like this}; they group words.'],
    ['no text', ''],
  ])('does not flag %s', (_label, text) => {
    expect(hasCodeShape(text)).toBe(false);
  });
});

describe('nonLatinShareOf', () => {
  it.each<[string, string, number]>([
    ['English', 'Where is my order? It was due last week.', 0],
    ['accented Latin (German, French, Vietnamese)', 'Größe, déjà vu, Tiếng Việt', 0],
    ['Russian', 'Где мой заказ? Он должен был прийти.', 1],
    ['Chinese, with full-width punctuation', '请帮我总结一下这份文件。', 1],
    ['Arabic', 'أين طلبي؟', 1],
    ['half Latin, half Greek letters', 'abcd αβγδ', 0.5],
    ['no letters at all', '12 + 30 = 42 ?! 🙂', 0],
  ])('%s', (_label, text, share) => {
    expect(nonLatinShareOf(text)).toBeCloseTo(share, 6);
  });

  it('counts only letters: digits, punctuation and emoji leave the share alone', () => {
    expect(nonLatinShareOf('ab да')).toBeCloseTo(0.5, 6);
    expect(nonLatinShareOf('ab да 1234567890 ... 🙂🙂🙂 !!!')).toBeCloseTo(0.5, 6);
  });

  it('counts a letter beyond the BMP (a surrogate pair) once', () => {
    // U+20000, a CJK ideograph written as two UTF-16 code units.
    expect(nonLatinShareOf('ab\u{20000}')).toBeCloseTo(1 / 3, 6);
  });

  it('estimates a long text from evenly spread positions, within a few points of the exact share', () => {
    const latin = 'The order arrived damaged and I would like a refund please. ';
    const cyrillic = 'Заказ пришёл повреждённым, прошу вернуть деньги. ';
    let text = '';
    for (let i = 0; text.length < 2 * SIGNAL_EDGE_CHARS; i++) text += i % 3 === 0 ? cyrillic : latin;
    const exact = [...text].filter((c) => /\p{L}/u.test(c) && !/\p{Script=Latin}/u.test(c)).length / [...text].filter((c) => /\p{L}/u.test(c)).length;
    expect(Math.abs(nonLatinShareOf(text) - exact)).toBeLessThan(0.03);
  });
});

describe('edgeText', () => {
  it('joins short pieces whole, with newlines', () => {
    expect(edgeText(['system', 'user'], 11)).toBe('system\nuser');
  });

  it('keeps only the first and last SIGNAL_EDGE_CHARS characters of a long text', () => {
    const head = 'H'.repeat(SIGNAL_EDGE_CHARS);
    const middle = 'M'.repeat(50_000);
    const tail = 'T'.repeat(SIGNAL_EDGE_CHARS);
    const text = edgeText(['sys', head + middle + tail], 4 + head.length + middle.length + tail.length);
    expect(text.length).toBeLessThanOrEqual(2 * SIGNAL_EDGE_CHARS + 1);
    expect(text.startsWith('sys\nHHH')).toBe(true);
    expect(text.endsWith('TTT')).toBe(true);
    expect(text).not.toContain('M');
  });

  it('takes the tail across pieces when the last one is short', () => {
    const long = 'x'.repeat(10_000);
    const text = edgeText([long, 'the question?'], long.length + 1 + 13);
    expect(text.endsWith(`${'x'.repeat(20)}\nthe question?`)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(2 * SIGNAL_EDGE_CHARS + 1);
  });
});

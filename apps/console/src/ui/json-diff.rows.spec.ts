import { describe, expect, it } from 'vitest';
import { foldUnchanged, sideBySideRows, stableJson } from './json-diff.rows';

describe('sideBySideRows', () => {
  it('faces a replaced line with its replacement and pads lines with no counterpart', () => {
    const rows = sideBySideRows({ a: 1, b: [1, 2] }, { b: [1, 2, 3], a: 2 });
    const changed = rows.filter((r) => r.left?.kind !== 'same');
    expect(changed).toContainEqual({ left: { text: '  "a": 1,', kind: 'removed' }, right: { text: '  "a": 2,', kind: 'added' } });
    expect(rows.some((r) => r.left === null && r.right?.kind === 'added' && r.right.text.trim() === '3')).toBe(true);
    // Both sides have the same number of rows, so they line up.
    expect(rows.every((r) => r.left !== null || r.right !== null)).toBe(true);
  });

  it('sees no change when only key order differs', () => {
    expect(sideBySideRows({ x: { b: 1, a: 2 } }, { x: { a: 2, b: 1 } }).every((r) => r.left?.kind === 'same')).toBe(true);
    expect(stableJson({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}');
  });
});

describe('foldUnchanged', () => {
  it('keeps three rows of context around each change and folds the rest', () => {
    const before = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    const rows = sideBySideRows(before, { ...before, k15: 'changed' });
    const blocks = foldUnchanged(rows, 3);
    expect(blocks.map((b) => b.kind)).toEqual(['fold', 'rows', 'fold']);
    const shown = blocks[1].rows;
    expect(shown).toHaveLength(3 + 1 + 3);
    expect(shown[3]).toMatchObject({ left: { kind: 'removed' }, right: { kind: 'added' } });
    // Nothing is lost: the blocks together are the rows, in order.
    expect(blocks.flatMap((b) => b.rows)).toEqual(rows);
  });

  it('does not fold a document without changes, nor a run of two lines', () => {
    const rows = sideBySideRows({ a: 1 }, { a: 1 });
    expect(foldUnchanged(rows)).toEqual([{ kind: 'rows', rows, start: 0 }]);
    const short = sideBySideRows({ a: 1, b: 2, c: 3 }, { a: 0, b: 2, c: 3 });
    expect(foldUnchanged(short, 0).every((b) => b.kind === 'rows' || b.rows.length > 2)).toBe(true);
  });
});

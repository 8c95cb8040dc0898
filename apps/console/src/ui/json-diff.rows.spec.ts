import { describe, expect, it } from 'vitest';
import { sideBySideRows, stableJson } from './json-diff.rows';

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

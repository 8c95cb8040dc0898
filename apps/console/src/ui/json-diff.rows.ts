import { diffLines } from 'diff';

export type DiffSide = { text: string; kind: 'same' | 'removed' | 'added' } | null;
export interface DiffRow {
  left: DiffSide;
  right: DiffSide;
}

/** JSON with object keys sorted, so two documents differ only where their content does. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Aligns a line diff of the two documents into side-by-side rows: removed lines face the added
 * lines that replace them, and a line with no counterpart faces a blank.
 */
export function sideBySideRows(before: unknown, after: unknown): DiffRow[] {
  const rows: DiffRow[] = [];
  const parts = diffLines(stableJson(before), stableJson(after));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const lines = splitLines(part.value);
    if (part.removed) {
      const next = parts[i + 1];
      const added = next?.added ? splitLines(next.value) : [];
      if (next?.added) i++;
      for (let j = 0; j < Math.max(lines.length, added.length); j++) {
        rows.push({
          left: j < lines.length ? { text: lines[j], kind: 'removed' } : null,
          right: j < added.length ? { text: added[j], kind: 'added' } : null,
        });
      }
    } else if (part.added) {
      for (const line of lines) rows.push({ left: null, right: { text: line, kind: 'added' } });
    } else {
      for (const line of lines) rows.push({ left: { text: line, kind: 'same' }, right: { text: line, kind: 'same' } });
    }
  }
  return rows;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export type DiffBlock = { kind: 'rows'; rows: DiffRow[]; start: number } | { kind: 'fold'; rows: DiffRow[]; start: number };

/**
 * Folds long runs of unchanged rows, keeping `context` rows next to each change, so a one-line
 * change in a long policy is not lost in it. Folds are kept whole so they can be expanded.
 */
export function foldUnchanged(rows: DiffRow[], context = 3): DiffBlock[] {
  const changed = rows.map((r) => r.left?.kind !== 'same');
  if (!changed.includes(true)) return [{ kind: 'rows', rows, start: 0 }];
  const keep = rows.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) if (changed[j]) return true;
    return false;
  });
  const blocks: DiffBlock[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i;
    while (j < rows.length && keep[j] === keep[i]) j++;
    // A fold of one or two lines saves nothing; show them.
    const kind = !keep[i] && j - i > 2 ? 'fold' : 'rows';
    const last = blocks[blocks.length - 1];
    if (kind === 'rows' && last?.kind === 'rows') last.rows.push(...rows.slice(i, j));
    else blocks.push({ kind, rows: rows.slice(i, j), start: i });
    i = j;
  }
  return blocks;
}

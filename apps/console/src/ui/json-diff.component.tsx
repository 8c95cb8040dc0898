import { useMemo, useState } from 'react';
import { type DiffBlock, type DiffSide, foldUnchanged, sideBySideRows } from './json-diff.rows';

interface Props {
  before: unknown;
  after: unknown;
  beforeLabel: string;
  afterLabel: string;
}

/**
 * Two JSON documents side by side, changed lines marked (and announced: colour alone says nothing
 * to a screen reader), long unchanged stretches folded behind a button.
 */
export function JsonDiff({ before, after, beforeLabel, afterLabel }: Props) {
  const rows = useMemo(() => sideBySideRows(before, after), [before, after]);
  const blocks = useMemo(() => foldUnchanged(rows), [rows]);
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  const changed = rows.filter((r) => r.left?.kind !== 'same').length;
  const open = (start: number) => setOpened((s) => new Set(s).add(start));
  return (
    <figure className="json-diff-figure">
      <figcaption className="muted">{changed === 0 ? 'No differences.' : `${changed} changed line${changed === 1 ? '' : 's'}.`}</figcaption>
      {/* Focusable: the two columns scroll sideways when lines are long. */}
      <div className="json-diff" data-testid="json-diff" tabIndex={0} role="group" aria-label={`${beforeLabel} and ${afterLabel}, side by side`}>
        <Side label={beforeLabel} blocks={blocks} opened={opened} pick={(r) => r.left} onOpen={open} />
        <Side label={afterLabel} blocks={blocks} opened={opened} pick={(r) => r.right} />
      </div>
    </figure>
  );
}

interface SideProps {
  label: string;
  blocks: DiffBlock[];
  opened: ReadonlySet<number>;
  pick: (row: DiffBlock['rows'][number]) => DiffSide;
  /** Only one side carries the button; the other shows the same bar for alignment. */
  onOpen?: (start: number) => void;
}

function Side({ label, blocks, opened, pick, onOpen }: SideProps) {
  return (
    <div className="side" aria-label={label}>
      <h3>{label}</h3>
      {blocks.map((block) =>
        block.kind === 'fold' && !opened.has(block.start) ? (
          <div key={block.start} className="line fold">
            {onOpen ? (
              <button type="button" className="link" onClick={() => onOpen(block.start)}>
                Show {block.rows.length} unchanged lines
              </button>
            ) : (
              <span aria-hidden="true">⋯ {block.rows.length} unchanged lines</span>
            )}
          </div>
        ) : (
          block.rows.map((row, i) => <Line key={block.start + i} side={pick(row)} />)
        ),
      )}
    </div>
  );
}

function Line({ side }: { side: DiffSide }) {
  if (!side) return <div className="line blank" aria-hidden="true" />;
  if (side.kind === 'same') return <div className="line">{side.text}</div>;
  return (
    <div className={`line ${side.kind}`}>
      <span className="visually-hidden">{side.kind === 'removed' ? '− ' : '+ '}</span>
      {side.text}
    </div>
  );
}

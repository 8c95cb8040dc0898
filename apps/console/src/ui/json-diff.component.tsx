import { useMemo } from 'react';
import { type DiffSide, sideBySideRows } from './json-diff.rows';

interface Props {
  before: unknown;
  after: unknown;
  beforeLabel: string;
  afterLabel: string;
}

/** Two JSON documents side by side, changed lines marked (and announced: colour alone says nothing to a screen reader). */
export function JsonDiff({ before, after, beforeLabel, afterLabel }: Props) {
  const rows = useMemo(() => sideBySideRows(before, after), [before, after]);
  const changed = rows.filter((r) => r.left?.kind !== 'same').length;
  return (
    <figure className="json-diff-figure">
      <figcaption className="muted">{changed === 0 ? 'No differences.' : `${changed} changed line${changed === 1 ? '' : 's'}.`}</figcaption>
      <div className="json-diff" data-testid="json-diff">
        <div className="side" aria-label={beforeLabel}>
          <h3>{beforeLabel}</h3>
          {rows.map((row, i) => (
            <Line key={i} side={row.left} />
          ))}
        </div>
        <div className="side" aria-label={afterLabel}>
          <h3>{afterLabel}</h3>
          {rows.map((row, i) => (
            <Line key={i} side={row.right} />
          ))}
        </div>
      </div>
    </figure>
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

import type { QualityCell } from '@switchyard/contracts';
import { useId, useMemo, useState } from 'react';
import { percent } from '../ui/format';
import { heatmapOf, type ScoreSource, shadeOf, sourcesOf } from './quality-heatmap';

/**
 * Judged quality per workload × model as a table: each cell gives the mean, its 95% interval and
 * the number of scores in text, and is shaded by the mean.
 */
export function QualityHeatmap({ cells }: { cells: QualityCell[] }) {
  const sources = useMemo(() => sourcesOf(cells), [cells]);
  const [chosen, setChosen] = useState<ScoreSource | null>(null);
  const source = chosen && sources.includes(chosen) ? chosen : (sources[0] ?? 'judge');
  const map = useMemo(() => heatmapOf(cells, source), [cells, source]);
  const selectId = useId();
  const captionId = useId();
  if (cells.length === 0) return <p className="notice">No scores in this window yet.</p>;
  return (
    <>
      <div className="filters">
        <div>
          <label htmlFor={selectId}>Score source</label>
          <select id={selectId} value={source} onChange={(event) => setChosen(event.target.value as ScoreSource)}>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="heatmap-scroll">
        <table className="heatmap" aria-describedby={captionId}>
          <caption id={captionId} className="muted">
            Mean {source} score per workload × model, with its 95% interval and n, the number of scores. Shade: red 0% to green 100%.
          </caption>
          <thead>
            <tr>
              <th scope="col">Workload</th>
              {map.models.map((m) => (
                <th key={m} scope="col">
                  {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.workloads.map((w) => (
              <tr key={w}>
                <th scope="row">{w}</th>
                {map.models.map((m) => {
                  const cell = map.cells[w][m];
                  if (!cell) {
                    return (
                      <td key={m} className="heatmap-empty">
                        <span className="muted">no scores</span>
                      </td>
                    );
                  }
                  return (
                    <td key={m} className="num" style={{ background: shadeOf(cell.mean) }} data-mean={cell.mean}>
                      <span className="heatmap-mean">{percent(cell.mean)}</span>
                      <br />
                      <span className="heatmap-range">
                        [{percent(cell.low)}, {percent(cell.high)}]
                      </span>
                      <br />
                      <span className="heatmap-n">n = {cell.n.toLocaleString('en-US')}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

import type { PolicyDiffEvidence } from '@switchyard/contracts';
import { Link } from 'react-router';
import { evidenceRows, evidenceSampleCount } from './diff-numbers';

/** The scored samples behind the prediction, per model and source, and spans a reviewer can open. */
export function DiffEvidence({ evidence }: { evidence: PolicyDiffEvidence }) {
  const rows = evidenceRows(evidence);
  const scorers = Object.entries(evidence.scorerMix).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <table>
        <caption>Scored samples per model and source ({evidenceSampleCount(evidence).toLocaleString('en-US')} in all)</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num">Judge</th>
            <th scope="col" className="num">Golden</th>
            <th scope="col" className="num">Shadow</th>
            <th scope="col" className="num">Feedback</th>
            <th scope="col" className="num">Total</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.model}>
              <th scope="row">{r.model}</th>
              <td className="num">{r.judge.toLocaleString('en-US')}</td>
              <td className="num">{r.golden.toLocaleString('en-US')}</td>
              <td className="num">{r.shadow.toLocaleString('en-US')}</td>
              <td className="num">{r.feedback.toLocaleString('en-US')}</td>
              <td className="num">{r.total.toLocaleString('en-US')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {scorers.length > 0 && (
        <p>
          Scorers:{' '}
          {scorers.map(([name, n], i) => (
            <span key={name}>
              {i > 0 && ', '}
              <code>{name}</code> ({n.toLocaleString('en-US')} samples)
            </span>
          ))}
        </p>
      )}
      <h3>Example spans</h3>
      {evidence.exampleSpanIds.length === 0 ? (
        <p className="muted">The proposal named no example spans.</p>
      ) : (
        <ul className="span-links" aria-label="Example spans">
          {evidence.exampleSpanIds.map((id) => (
            <li key={id}>
              <Link to={`/spans/${id}`}>
                <code>{id}</code>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

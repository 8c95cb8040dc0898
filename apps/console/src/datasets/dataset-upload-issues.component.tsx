import type { UploadIssues } from './dataset-upload';

/** A refused file's problems, one per line of the file, worded exactly as the API returned them. */
export function DatasetUploadIssues({ found, fileName }: { found: UploadIssues; fileName: string }) {
  const more = found.total - found.issues.length;
  return (
    <section aria-labelledby="upload-issues-title" className="upload-issues">
      <h3 id="upload-issues-title">
        {found.total} invalid {found.unit}
        {found.total === 1 ? '' : 's'} in {fileName}; nothing was stored
      </h3>
      <ul>
        {found.issues.map((issue) => (
          <li key={`${issue.line}:${issue.reason}`}>
            <strong>
              {capitalise(found.unit)} {issue.line}:
            </strong>{' '}
            {issue.reason}
          </li>
        ))}
      </ul>
      {more > 0 && <p className="muted">…and {more} more not listed by the API.</p>}
    </section>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import { ApiError } from '../api/api-error';

/** Shows the API's own message (and its code and parameter) for a failed call; nothing when there is no error. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Something went wrong.';
  return (
    <div role="alert" className="error-notice">
      {title && <strong>{title}: </strong>}
      <span className="error-message">{message}</span>
      {api && (api.code || api.param || api.status > 0) && (
        <span className="error-meta">
          {' '}
          ({[api.status > 0 ? `HTTP ${api.status}` : null, api.code, api.param ? `param ${api.param}` : null].filter(Boolean).join(', ')})
        </span>
      )}
    </div>
  );
}

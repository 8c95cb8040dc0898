import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ErrorNotice } from '../ui/error-notice.component';

/** A page that crashed or does not exist says so, with the error, instead of going blank. */
export function RouteErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section>
        <h1>Not found</h1>
        <p>
          No console page lives at this address. <Link to="/">Back to the overview</Link>.
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>This page failed</h1>
      <ErrorNotice error={error} />
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </section>
  );
}

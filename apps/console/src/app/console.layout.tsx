import { NavLink, Outlet } from 'react-router';
import { useSession } from '../auth/session.context';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/diffs', label: 'Diffs' },
  { to: '/canaries', label: 'Canaries' },
  { to: '/policies', label: 'Policies' },
  { to: '/spans', label: 'Spans' },
  { to: '/datasets', label: 'Datasets & runs' },
];

export function ConsoleLayout() {
  const { session, actor, signOut } = useSession();
  const who = session.scope === 'global' ? 'Global admin' : `Tenant ${session.tenantName ?? session.tenantId ?? ''}`;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Switchyard</span>
        <nav aria-label="Sections">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" data-testid="signed-in-as">
          {who}
          {session.keyName ? ` (${session.keyName})` : ''}
          {actor ? `, signed as ${actor}` : ''}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

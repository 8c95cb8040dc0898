import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAdminApi } from '../testing/fake-admin-api';
import { SessionProvider, useSession } from './session.context';
import { SignInPage } from './sign-in.page';

function SignedIn() {
  const { session, actor, signOut } = useSession();
  return (
    <p>
      in as {session.scope} {session.tenantName} {actor}
      <button type="button" onClick={() => signOut()}>
        out
      </button>
    </p>
  );
}

const renderApp = () =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <SessionProvider initial={null} signedIn={<SignedIn />} signedOut={<SignInPage />} />
    </QueryClientProvider>,
  );

describe('sign-in', () => {
  let api: FakeAdminApi;
  beforeEach(() => {
    sessionStorage.clear();
    api = new FakeAdminApi().on('GET', '/admin/session', (call) =>
      call.authorization === 'Bearer sk-tenant'
        ? { body: { scope: 'tenant', tenantId: 't_1', tenantName: 'acme', keyId: 'ak_1', keyName: 'ops' } }
        : { status: 401, body: { error: { message: 'Invalid admin key.', type: 'authentication_error', code: 'invalid_admin_key', param: null } } },
    );
    vi.stubGlobal('fetch', api.fetch);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("refuses a wrong key with the API's message and keeps nothing", async () => {
    renderApp();
    fireEvent.change(screen.getByLabelText('Admin key'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Invalid admin key. (HTTP 401, invalid_admin_key)');
    expect(sessionStorage.getItem('switchyard.adminKey')).toBeNull();
  });

  it('keeps the key and name in session storage, sends the name as the actor, and clears both on sign-out', async () => {
    renderApp();
    fireEvent.change(screen.getByLabelText('Admin key'), { target: { value: ' sk-tenant ' } });
    fireEvent.change(screen.getByLabelText('Your name (optional)'), { target: { value: 'dana' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByText(/in as tenant acme dana/)).textContent).toBeTruthy();
    expect(sessionStorage.getItem('switchyard.adminKey')).toBe('sk-tenant');
    expect(sessionStorage.getItem('switchyard.actor')).toBe('dana');

    fireEvent.click(screen.getByRole('button', { name: 'out' }));
    expect(await screen.findByLabelText('Admin key')).toBeTruthy();
    expect(sessionStorage.getItem('switchyard.adminKey')).toBeNull();
    expect(sessionStorage.getItem('switchyard.actor')).toBeNull();
  });
});

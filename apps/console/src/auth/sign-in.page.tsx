import { type FormEvent, useId, useState } from 'react';
import { ErrorNotice } from '../ui/error-notice.component';
import { useSignIn } from './session.context';

export function SignInPage() {
  const { signIn, endedBecause } = useSignIn();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Switchyard console</h1>
      <p>Sign in with an admin key: the global key, or a tenant&apos;s admin key to see that tenant only.</p>
      {endedBecause && <p role="status">{endedBecause}</p>}
      <form onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <label htmlFor={inputId}>Admin key</label>
        <input id={inputId} name="adminKey" type="password" autoComplete="off" required autoFocus value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorNotice error={error} />
      <p className="hint">The key is kept in this tab&apos;s session storage only and is cleared when you sign out or close the tab.</p>
    </main>
  );
}

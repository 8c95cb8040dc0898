import { type FormEvent, useId, useState } from 'react';
import { ErrorNotice } from '../ui/error-notice.component';
import { useSignIn } from './session.context';

/** The gateway's rule for `x-switchyard-actor`: printable ASCII, no surrounding spaces. */
const ACTOR_PATTERN = '[\\x21-\\x7e](?:[\\x20-\\x7e]{0,126}[\\x21-\\x7e])?';

export function SignInPage() {
  const { signIn, endedBecause } = useSignIn();
  const [key, setKey] = useState('');
  const [actor, setActor] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputId = useId();
  const actorId = useId();
  const actorHintId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim(), actor.trim() || null);
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
        <label htmlFor={actorId}>Your name (optional)</label>
        <input
          id={actorId}
          name="actor"
          autoComplete="name"
          aria-describedby={actorHintId}
          pattern={ACTOR_PATTERN}
          maxLength={128}
          value={actor}
          onChange={(e) => setActor(e.target.value)}
        />
        <p id={actorHintId} className="hint">
          Recorded in the audit trail with every approval, rejection and rollout you make (printable ASCII, up to 128 characters).
        </p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      <ErrorNotice error={error} />
      <p className="hint">The key is kept in this tab&apos;s session storage only and is cleared when you sign out or close the tab.</p>
    </main>
  );
}

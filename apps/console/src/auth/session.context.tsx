import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { AdminApi } from '../api/admin-api.client';
import { sessionStore } from './session.store';

/** Who the admin key is, as `GET /admin/session` says. */
export interface AdminSession {
  scope: 'global' | 'tenant';
  tenantId: string | null;
  tenantName: string | null;
  keyId: string | null;
  keyName: string | null;
}

interface SessionState {
  api: AdminApi;
  session: AdminSession;
  /** The name actions are recorded under, when the user gave one. */
  actor: string | null;
  signOut: (reason?: string) => void;
}

interface SignInState {
  signIn: (key: string, actor: string | null) => Promise<void>;
  /** Why the last session ended, when it was not the user's choice (e.g. the key was revoked). */
  endedBecause: string | null;
}

export interface SignedIn {
  key: string;
  session: AdminSession;
  actor?: string | null;
}

const SessionContext = createContext<SessionState | null>(null);
const SignInContext = createContext<SignInState | null>(null);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

export function useSignIn(): SignInState {
  const state = useContext(SignInContext);
  if (!state) throw new Error('useSignIn outside SessionProvider');
  return state;
}

export function useApi(): AdminApi {
  return useSession().api;
}

interface Props {
  /** A stored key is checked again before the pages use it; this is its result. */
  initial: SignedIn | null;
  signedIn: ReactNode;
  signedOut: ReactNode;
}

export function SessionProvider({ initial, signedIn, signedOut }: Props) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState(initial);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signOut = useCallback(
    (reason?: string) => {
      sessionStore.clear();
      queryClient.clear();
      setEndedBecause(reason ?? null);
      setCurrent(null);
    },
    [queryClient],
  );

  const signIn = useCallback(async (key: string, actor: string | null) => {
    const session = await checkKey(key);
    sessionStore.write(key, actor);
    setEndedBecause(null);
    setCurrent({ key, session, actor });
  }, []);

  const state = useMemo<SessionState | null>(
    () =>
      current && {
        api: new AdminApi(current.key, () => signOut('The admin key was refused (revoked or expired). Sign in again.'), current.actor ?? null),
        session: current.session,
        actor: current.actor ?? null,
        signOut,
      },
    [current, signOut],
  );

  return (
    <SignInContext.Provider value={{ signIn, endedBecause }}>
      {state ? <SessionContext.Provider value={state}>{signedIn}</SessionContext.Provider> : signedOut}
    </SignInContext.Provider>
  );
}

/** Resolves with who the key is, or rejects with the API's refusal. */
export function checkKey(key: string): Promise<AdminSession> {
  return new AdminApi(key).get<AdminSession>('/admin/session');
}

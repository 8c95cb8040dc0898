import { createRoot } from 'react-dom/client';
import { config as zodConfig } from 'zod';
import { ConsoleApp } from './app/console.app';
import { checkKey, type SignedIn } from './auth/session.context';
import { sessionStore } from './auth/session.store';
import './app/console.css';

/** A stored key is checked once before the first render, so a revoked one lands on sign-in, not on failing pages. */
async function restoreSession(): Promise<SignedIn | null> {
  const key = sessionStore.read();
  if (!key) return null;
  try {
    return { key, session: await checkKey(key), actor: sessionStore.readActor() };
  } catch {
    sessionStore.clear();
    return null;
  }
}

// zod probes `new Function` to decide whether to compile its parsers; the console's CSP forbids eval, so skip the probe.
// Set here, before any page chunk (the only code that loads the contracts' schemas) is imported.
zodConfig({ jitless: true });

const root = document.getElementById('root');
if (root) void restoreSession().then((initial) => createRoot(root).render(<ConsoleApp initial={initial} />));

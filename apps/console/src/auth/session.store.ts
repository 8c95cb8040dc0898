const STORAGE_KEY = 'switchyard.adminKey';
const ACTOR_KEY = 'switchyard.actor';

/** The admin key lives in session storage: gone when the tab closes, never in local storage or a cookie. */
export const sessionStore = {
  read(): string | null {
    try {
      return sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  },
  /** The name the audit log records this person's actions under; null: the API's default. */
  readActor(): string | null {
    try {
      return sessionStorage.getItem(ACTOR_KEY);
    } catch {
      return null;
    }
  },
  write(key: string, actor: string | null): void {
    sessionStorage.setItem(STORAGE_KEY, key);
    if (actor) sessionStorage.setItem(ACTOR_KEY, actor);
    else sessionStorage.removeItem(ACTOR_KEY);
  },
  clear(): void {
    sessionStorage.removeItem(STORAGE_KEY);
    sessionStorage.removeItem(ACTOR_KEY);
  },
};

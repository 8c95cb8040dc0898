const STORAGE_KEY = 'switchyard.adminKey';

/** The admin key lives in session storage: gone when the tab closes, never in local storage or a cookie. */
export const sessionStore = {
  read(): string | null {
    try {
      return sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  },
  write(key: string): void {
    sessionStorage.setItem(STORAGE_KEY, key);
  },
  clear(): void {
    sessionStorage.removeItem(STORAGE_KEY);
  },
};

import type { Session } from '@kiln/client';

const KEY = 'kiln.session';

/** The signed-in session, kept across reloads (the token is the only secret, as with any bearer app). */
export interface SavedSession {
  username: string;
  session: Session;
}

export function loadSession(): SavedSession | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as SavedSession | null;
    if (!saved?.session?.accessToken) return undefined;
    // An expired token would only earn a 401: start at the sign-in form instead.
    if (Date.parse(saved.session.expiresAt) <= Date.now()) return undefined;
    return saved;
  } catch {
    return undefined;
  }
}

export function saveSession(saved: SavedSession | undefined): void {
  if (saved) localStorage.setItem(KEY, JSON.stringify(saved));
  else localStorage.removeItem(KEY);
}

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

// Who is signed in, as the server answered it. The API token itself is sent once, in the body of
// the sign-in request, and never kept by the page: not in a URL, not in storage, not in memory.

export interface Session {
  email: string;
  role: 'viewer' | 'operator';
  /** Null for a login by Basic auth (no session of its own to expire). */
  expiresAt: string | null;
  csrfToken: string | null;
}

export interface SessionControl {
  session: Session;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionControl | null>(null);

export function useSession(): SessionControl {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

/** Whether the signed-in login may change things (the API refuses a viewer's writes with 403 anyway). */
export const useCanWrite = (): boolean => useSession().session.role === 'operator';

/** The session as the API answers it (POST/GET /api/v1/session). */
export const sessionOf = (body: {
  email: string;
  role: 'viewer' | 'operator';
  expires_at: string | null;
  csrf_token: string | null;
}): Session => ({
  email: body.email,
  role: body.role,
  expiresAt: body.expires_at,
  csrfToken: body.csrf_token,
});

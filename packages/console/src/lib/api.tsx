import { createCreditsClient, type CreditsClient, type RouterOutputs } from '@credits/client';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { clearToken, readToken, saveToken } from './session';

export type Whoami = RouterOutputs['auth']['whoami'];

/** The signed-in console: the SDK client with the credential, and who it is. */
export interface Session {
  client: CreditsClient;
  who: Whoami;
  /** Admins and services run the operator pages; a user sees only itself. */
  operator: boolean;
  admin: boolean;
}

interface Auth {
  session: Session | null;
  /** Why the console signed out by itself (the service refused the credential), for the sign-in page. */
  notice: string | null;
  /** Checks the credential with auth.whoami; keeps it only if the service accepts it. */
  signIn(token: string): Promise<void>;
  signOut(): void;
}

const AuthContext = createContext<Auth | null>(null);

/** Dispatched on window by the query client when a call is answered UNAUTHORIZED. */
export const REFUSED_EVENT = 'credits:credential-refused';

/** The console is served by the service it talks to: same origin, no CORS, no URL to configure. */
const clientFor = (token: string) => createCreditsClient({ url: window.location.origin, apiKey: token, retry: { retries: 2 } });

function sessionOf(client: CreditsClient, who: Whoami): Session {
  return { client, who, operator: who.kind !== 'user', admin: who.kind === 'admin' };
}

export function AuthProvider({ initial, children }: { initial: Session | null; children: ReactNode }) {
  const [session, setSession] = useState(initial);
  const [notice, setNotice] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const signIn = useCallback(async (token: string) => {
    const client = clientFor(token);
    const who = await client.auth.whoami.query();
    saveToken(token);
    queryClient.clear();
    setNotice(null);
    setSession(sessionOf(client, who));
  }, [queryClient]);
  const signOut = useCallback(() => {
    clearToken();
    queryClient.clear();
    setSession(null);
  }, [queryClient]);
  // A call refused as UNAUTHORIZED (the key was revoked, the token expired): the credential is
  // dropped and the sign-in page says why.
  useEffect(() => {
    const refused = () => {
      signOut();
      setNotice('The service refused this credential (revoked or expired). Sign in again.');
    };
    window.addEventListener(REFUSED_EVENT, refused);
    return () => window.removeEventListener(REFUSED_EVENT, refused);
  }, [signOut]);
  const value = useMemo(() => ({ session, notice, signIn, signOut }), [session, notice, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** The signed-in session; only rendered below the sign-in gate. */
export function useSession(): Session {
  const { session } = useAuth();
  if (!session) throw new Error('useSession before sign-in');
  return session;
}

/** The session a stored credential still opens, or null (none kept, or the service refuses it now). */
export async function restoreSession(): Promise<Session | null> {
  const token = readToken();
  if (!token) return null;
  const client = clientFor(token);
  try {
    return sessionOf(client, await client.auth.whoami.query());
  } catch {
    clearToken();
    return null;
  }
}

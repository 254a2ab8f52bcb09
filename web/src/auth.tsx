// The session: the access token lives in memory only; the refresh token is an HttpOnly cookie the
// gateway sets for browser sessions (scoped to /auth/refresh), so a reload restores the session
// without any script ever seeing the refresh token.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, isNetworkFailure, request, type RequestOptions, type TokenPair } from "./api";

// The custom header is the gateway's CSRF guard on the refresh route.
export const BROWSER_SESSION = { "X-Interlude-Session": "cookie" };

interface Session {
  token: string | null;
  restoring: boolean;
  /** No session could be restored because the network is down: the device's copies are shown. */
  offline: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  call: <T>(path: string, options?: RequestOptions) => Promise<T>;
}

const SessionContext = createContext<Session | null>(null);

/** A fresh access token from the refresh cookie (rotated by the gateway), or null when there is no session. */
export async function refreshedToken(): Promise<string | null> {
  const restored = await restoredSession();
  return restored === OFFLINE ? null : restored;
}

const OFFLINE = Symbol("offline");

/** The access token, null without a session, or OFFLINE when the gateway cannot be reached. */
async function restoredSession(): Promise<string | null | typeof OFFLINE> {
  try {
    const pair = await request<TokenPair>("/auth/refresh", { method: "POST", body: {}, headers: BROWSER_SESSION });
    return pair.access_token;
  } catch (error) {
    return isNetworkFailure(error) ? OFFLINE : null;
  }
}

export function SessionProvider({
  children,
  initialToken = null,
  restore = false,
}: {
  children: ReactNode;
  initialToken?: string | null;
  restore?: boolean;
}) {
  const [token, setToken] = useState<string | null>(initialToken);
  const [restoring, setRestoring] = useState(restore && !initialToken);
  const [offline, setOffline] = useState(false);
  // One refresh at a time: concurrent 401s share it (a second refresh would spend a rotated cookie).
  const pending = useRef<Promise<string | null> | null>(null);

  const refresh = useCallback(() => {
    pending.current ??= refreshedToken().finally(() => {
      pending.current = null;
    });
    return pending.current;
  }, []);

  useEffect(() => {
    if (!restoring) return;
    let live = true;
    void restoredSession().then((restored) => {
      if (!live) return;
      setOffline(restored === OFFLINE);
      setToken(restored === OFFLINE ? null : restored);
      setRestoring(false);
    });
    return () => {
      live = false;
    };
  }, [restoring]);

  // Opened offline: the session is restored as soon as the connection returns.
  useEffect(() => {
    if (!offline) return;
    const retry = () => setRestoring(true);
    window.addEventListener("online", retry);
    return () => window.removeEventListener("online", retry);
  }, [offline]);

  const signIn = useCallback(async (email: string, password: string) => {
    const pair = await request<TokenPair>("/auth/token", {
      method: "POST",
      body: { username: email, password },
      headers: BROWSER_SESSION,
    });
    setToken(pair.access_token);
    setOffline(false);
  }, []);

  const signOut = useCallback(async () => {
    setToken(null);
    setOffline(false);
    // The service worker's copy of the to-do list is this person's: it goes with the session.
    if ("caches" in window) void caches.delete("interlude-data-v1");
    await request("/auth/refresh", { method: "DELETE", headers: BROWSER_SESSION }).catch(() => undefined);
  }, []);

  const call = useCallback(
    async <T,>(path: string, options: RequestOptions = {}): Promise<T> => {
      try {
        return await request<T>(path, { ...options, token });
      } catch (error) {
        // An expired access token: renew it from the cookie once, then try again.
        if (!(error instanceof ApiError) || error.problem.status !== 401) throw error;
        const renewed = await refresh();
        if (!renewed) {
          setToken(null);
          throw error;
        }
        setToken(renewed);
        return request<T>(path, { ...options, token: renewed });
      }
    },
    [token, refresh],
  );

  const session = useMemo(
    () => ({ token, restoring, offline, signIn, signOut, call }),
    [token, restoring, offline, signIn, signOut, call],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

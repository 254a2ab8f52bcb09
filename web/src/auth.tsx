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

const OFFLINE = Symbol("offline");
type Restored = string | null | typeof OFFLINE;

/**
 * A fresh access token from the refresh cookie (rotated by the gateway), null when there is no
 * session, or OFFLINE when the gateway cannot be reached.
 */
async function restoredSession(): Promise<Restored> {
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
  // The newest token, for calls that started with an older one (see call).
  const latest = useRef<string | null>(initialToken);
  // One refresh at a time: restoring and concurrent 401s share it (a second refresh would present the
  // cookie the first one rotated, which the gateway takes for theft and ends every session).
  const pending = useRef<Promise<Restored> | null>(null);

  const adopt = useCallback((next: string | null) => {
    latest.current = next;
    setToken(next);
  }, []);

  const refresh = useCallback(() => {
    pending.current ??= restoredSession().finally(() => {
      pending.current = null;
    });
    return pending.current;
  }, []);

  useEffect(() => {
    if (!restoring) return;
    let live = true;
    void refresh().then((restored) => {
      if (!live) return;
      setOffline(restored === OFFLINE);
      adopt(restored === OFFLINE ? null : restored);
      setRestoring(false);
    });
    return () => {
      live = false;
    };
  }, [restoring, refresh, adopt]);

  // Opened offline: the session is restored as soon as the connection returns (the screens stay).
  useEffect(() => {
    if (!offline) return;
    const retry = () => {
      void refresh().then((restored) => {
        if (restored === OFFLINE) return;
        adopt(restored);
        setOffline(false);
      });
    };
    window.addEventListener("online", retry);
    return () => window.removeEventListener("online", retry);
  }, [offline, refresh, adopt]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const pair = await request<TokenPair>("/auth/token", {
        method: "POST",
        body: { username: email, password },
        headers: BROWSER_SESSION,
      });
      adopt(pair.access_token);
      setOffline(false);
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    adopt(null);
    setOffline(false);
    // The service worker's copy of the to-do list is this person's: it goes with the session.
    if ("caches" in window) void caches.delete("interlude-data-v1");
    await request("/auth/refresh", { method: "DELETE", headers: BROWSER_SESSION }).catch(() => undefined);
  }, [adopt]);

  const call = useCallback(
    async <T,>(path: string, options: RequestOptions = {}): Promise<T> => {
      const used = latest.current;
      try {
        return await request<T>(path, { ...options, token: used });
      } catch (error) {
        if (!(error instanceof ApiError) || error.problem.status !== 401) throw error;
        // A newer token arrived while this call was out (another call renewed it): use it.
        if (latest.current && latest.current !== used) return request<T>(path, { ...options, token: latest.current });
        // An expired access token: renew it from the cookie once, then try again.
        const restored = await refresh();
        const renewed = restored === OFFLINE ? null : restored;
        if (!renewed) {
          adopt(null);
          throw error;
        }
        adopt(renewed);
        setOffline(false);
        return request<T>(path, { ...options, token: renewed });
      }
    },
    [refresh, adopt],
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

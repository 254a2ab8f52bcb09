import { QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, MemoryRouter, Navigate, Route, Routes } from "react-router-dom";
import { SiteNavigation } from "./components/SiteNavigation";
import { SessionProvider, useSession } from "./auth";
import { chooseLanguage, LANGUAGES, type Language } from "./i18n";
import { flush } from "./outbox";
import { ANALYST, CLINIC_ADMIN, OPERATOR, roleOf, THERAPIST } from "./role";
import { Answer } from "./pages/Answer";
import { Export } from "./pages/Export";
import { History } from "./pages/History";
import { Invitation } from "./pages/Invitation";
import { Notifications } from "./pages/Notifications";
import { Preferences } from "./pages/Preferences";
import { SignIn } from "./pages/SignIn";
import { Todo } from "./pages/Todo";

export const APP_BASE = "/app/";

// A separate chunk: the client's screens stay within their JavaScript budget.
const TherapistScreens = lazy(() => import("./therapist/TherapistScreens"));
// The clinic admin's screens: their own chunk too.
const AdminScreens = lazy(() => import("./admin/AdminScreens"));
// The analyst's screen: its own chunk too.
const AnalystScreens = lazy(() => import("./analyst/AnalystScreens"));
// The operator's screen (opening clinics): its own chunk too.
const OperatorScreens = lazy(() => import("./operator/OperatorScreens"));

function Header() {
  const { t, i18n } = useTranslation();
  const { token, signOut } = useSession();
  return (
    <header>
      <span className="brand">{t("appName")}</span>
      <label htmlFor="language" className="visually-hidden">{t("language")}</label>
      <select id="language" value={i18n.language} onChange={(e) => chooseLanguage(e.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>{name}</option>
        ))}
      </select>
      {token && (
        <button type="button" className="secondary" onClick={() => void signOut()}>
          {t("signIn.signOut")}
        </button>
      )}
    </header>
  );
}

function Navigation() {
  const { t } = useTranslation();
  const links: [string, string][] = [
    ["/", t("todo.title")],
    ["/history", t("history.title")],
    ["/notifications", t("notifications.title")],
    ["/preferences", t("preferences.title")],
    ["/export", t("export.title")],
  ];
  return <SiteNavigation links={links} />;
}

/** Sends what was submitted offline as soon as the connection returns (and on start). */
function OutboxSender() {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [sent, setSent] = useState(0);

  useEffect(() => {
    async function send() {
      if (!navigator.onLine) return;
      const delivered = await flush(call);
      if (delivered === 0) return;
      setSent(delivered);
      await queryClient.invalidateQueries({ queryKey: ["todo"] });
      await queryClient.invalidateQueries({ queryKey: ["history"] });
    }
    void send();
    window.addEventListener("online", send);
    return () => window.removeEventListener("online", send);
  }, [call, queryClient]);

  return sent > 0 ? <p role="status" className="banner">{t("outbox.sent", { count: sent })}</p> : null;
}

/** Opened without a connection: the to-do list and activities this device keeps, until it returns. */
function OfflineScreens() {
  const { t } = useTranslation();
  return (
    <>
      <p role="status" className="banner">{t("offline.banner")}</p>
      <Routes>
        <Route path="/" element={<Todo />} />
        <Route path="/assignments/:assignmentId" element={<Answer />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}

function Screens() {
  const { t } = useTranslation();
  const { token, restoring, offline } = useSession();
  if (restoring) return <main><p>{t("loading")}</p></main>;
  if (!token && offline) return <OfflineScreens />;
  if (!token) {
    return (
      <Routes>
        <Route path="/invitations/:code" element={<Invitation />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  }
  if (roleOf(token) === CLINIC_ADMIN) {
    return (
      <Suspense fallback={<main><p>{t("loading")}</p></main>}>
        <AdminScreens />
      </Suspense>
    );
  }
  if (roleOf(token) === ANALYST) {
    return (
      <Suspense fallback={<main><p>{t("loading")}</p></main>}>
        <AnalystScreens />
      </Suspense>
    );
  }
  if (roleOf(token) === OPERATOR) {
    return (
      <Suspense fallback={<main><p>{t("loading")}</p></main>}>
        <OperatorScreens />
      </Suspense>
    );
  }
  if (roleOf(token) === THERAPIST) {
    return (
      <Suspense fallback={<main><p>{t("loading")}</p></main>}>
        <TherapistScreens />
      </Suspense>
    );
  }
  return (
    <>
      <Navigation />
      <OutboxSender />
      <Routes>
        <Route path="/" element={<Todo />} />
        <Route path="/assignments/:assignmentId" element={<Answer />} />
        <Route path="/history" element={<History />} />
        <Route path="/notifications" element={<Notifications />} />
        <Route path="/preferences" element={<Preferences />} />
        <Route path="/export" element={<Export />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}

export function App({
  initialPath,
  token = null,
  restore = false,
}: {
  initialPath?: string;
  token?: string | null;
  restore?: boolean;
}) {
  // offlineFirst: a query runs even when the browser says it is offline, so the service worker can
  // answer it from its cache (the default would pause it until the connection returns).
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false, networkMode: "offlineFirst" } },
  });
  const content = (
    <SessionProvider initialToken={token} restore={restore}>
      <Header />
      <Screens />
    </SessionProvider>
  );
  return (
    <QueryClientProvider client={queryClient}>
      {initialPath ? (
        <MemoryRouter initialEntries={[initialPath]}>{content}</MemoryRouter>
      ) : (
        // The trailing slash keeps every link inside the service worker's scope: "/app/", never "/app".
        <BrowserRouter basename={APP_BASE}>{content}</BrowserRouter>
      )}
    </QueryClientProvider>
  );
}

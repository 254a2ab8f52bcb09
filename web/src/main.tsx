import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, APP_BASE } from "./App";
import { setUpI18n } from "./i18n";
import "./styles.css";

// "/app" is outside the service worker's scope ("/app/"): always the address with its slash.
if (window.location.pathname === APP_BASE.slice(0, -1)) window.history.replaceState(null, "", APP_BASE + window.location.search);
setUpI18n();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App restore />
  </StrictMode>,
);

// The service worker keeps the app's shell and the to-do list for offline use (installable app).
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
}

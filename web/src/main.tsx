import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { setUpI18n } from "./i18n";
import "./styles.css";

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

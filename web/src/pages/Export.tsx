import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";

/** The client's data export (GET /me/export), saved as a JSON file. */
export function Export() {
  const { t } = useTranslation();
  const { call } = useSession();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function download() {
    setBusy(true);
    try {
      const exported = await call<unknown>("/me/export");
      const file = new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(file);
      link.download = "interlude-export.json";
      link.click();
      URL.revokeObjectURL(link.href);
      setOutcome({ ok: true, text: t("export.done") });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="narrow">
      <h1>{t("export.title")}</h1>
      <p>{t("export.intro")}</p>
      <button type="button" onClick={() => void download()} disabled={busy}>{t("export.download")}</button>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
    </main>
  );
}

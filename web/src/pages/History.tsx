import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { HistoryPage } from "../api";
import { useSession } from "../auth";

/** What the client completed: titles and dates (the gateway never sends scores or risk flags here). */
export function History() {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const history = useQuery({ queryKey: ["history", token], queryFn: () => call<HistoryPage>("/me/history?limit=100") });
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  return (
    <main>
      <h1>{t("history.title")}</h1>
      {history.isPending && <p>{t("loading")}</p>}
      {history.isError && <p role="alert">{t("failed", { detail: history.error.message })}</p>}
      {history.data?.assignments.length === 0 && <p>{t("history.empty")}</p>}
      {!!history.data?.assignments.length && (
        <ul className="todo">
          {history.data.assignments.map((done) => (
            <li key={done.assignment_id}>
              <span>{done.title}</span>
              <span className="due">{t("history.completed", { date: dateFormat.format(new Date(done.submitted_at)) })}</span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

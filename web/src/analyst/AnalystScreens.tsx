// An analyst's screen (a lazy chunk): the clinic's activity usage, the CSV exports the role may
// download (GET /reports/{report}.csv), and the data dictionary that says what each column means.
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { useSession } from "../auth";
import { analystEn, registerAnalystMessages } from "./messages";

registerAnalystMessages();

interface ActivityUsage {
  activity_id: string;
  title: string | null;
  assignments: number;
  submitted: number;
  cancelled: number;
  clients: number;
  versions: number;
}

const REPORTS = Object.keys(analystEn.reports);
// The dictionary ships with the app's bundle (copied from docs/ at build time).
export const DATA_DICTIONARY = "/app/data-dictionary.md";

export function Reports() {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const usage = useQuery({ queryKey: ["usage", token], queryFn: () => call<{ activities: ActivityUsage[] }>("/clinic/usage") });
  const [report, setReport] = useState(REPORTS[0]);
  const [clientId, setClientId] = useState("");
  const [therapistId, setTherapistId] = useState("");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  async function download(event: FormEvent) {
    event.preventDefault();
    setOutcome(null);
    const filters = new URLSearchParams();
    if (clientId.trim()) filters.set("client_id", clientId.trim());
    if (therapistId.trim()) filters.set("therapist_id", therapistId.trim());
    const query = filters.toString();
    const response = await fetch(`/reports/${report}.csv${query ? `?${query}` : ""}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    }).catch(() => null);
    if (!response?.ok) {
      const problem = response ? ((await response.json().catch(() => ({}))) as { detail?: string }) : {};
      setOutcome({ ok: false, text: t("failed", { detail: problem.detail ?? response?.statusText ?? "offline" }) });
      return;
    }
    const file = `${report}.csv`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = file;
    link.click();
    URL.revokeObjectURL(link.href);
    setOutcome({ ok: true, text: t("analyst.downloaded", { file }) });
  }

  const activities = usage.data?.activities ?? [];
  return (
    <main className="wide">
      <h1>{t("analyst.title")}</h1>
      <p>
        <a href={DATA_DICTIONARY} target="_blank" rel="noopener">{t("analyst.dictionary")}</a>
      </p>
      <h2>{t("analyst.exports")}</h2>
      <form onSubmit={(event) => void download(event)}>
        <label htmlFor="report">{t("analyst.report")}</label>
        <select id="report" value={report} onChange={(e) => setReport(e.target.value)}>
          {REPORTS.map((name) => (
            <option key={name} value={name}>{`${t(`analyst.reports.${name}`)} (${name}.csv)`}</option>
          ))}
        </select>
        <label htmlFor="report-client">{t("analyst.client")}</label>
        <input id="report-client" type="text" value={clientId} onChange={(e) => setClientId(e.target.value)} />
        <label htmlFor="report-therapist">{t("analyst.therapist")}</label>
        <input id="report-therapist" type="text" value={therapistId} onChange={(e) => setTherapistId(e.target.value)} />
        <button type="submit">{t("analyst.download")}</button>
      </form>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
      <h2>{t("analyst.usage")}</h2>
      {usage.isPending && <p>{t("loading")}</p>}
      {usage.isError && <p role="alert" className="error">{t("failed", { detail: usage.error.message })}</p>}
      {usage.data && activities.length === 0 && <p>{t("analyst.noUsage")}</p>}
      {activities.length > 0 && (
        <table>
          <caption>{t("analyst.usage")}</caption>
          <thead>
            <tr>
              {(["activity", "assignments", "submitted", "cancelled", "clients", "versions"] as const).map((column) => (
                <th key={column} scope="col">{t(`analyst.${column}`)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {activities.map((activity) => (
              <tr key={activity.activity_id}>
                <th scope="row">{activity.title ?? activity.activity_id}</th>
                <td>{activity.assignments}</td>
                <td>{activity.submitted}</td>
                <td>{activity.cancelled}</td>
                <td>{activity.clients}</td>
                <td>{activity.versions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

export default function AnalystScreens() {
  return (
    <Routes>
      <Route path="/" element={<Reports />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

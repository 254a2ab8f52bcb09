import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useSession } from "../auth";
import { InviteClient } from "./InviteClient";
import { formatDate, nameOf, useClients } from "./queries";
import type { CaseloadEntry, ClientAccount, RiskFlag } from "./types";

function AcknowledgeFlag({ flag, onDone }: { flag: RiskFlag; onDone: (flagId: string) => void }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const [note, setNote] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  const noteId = `note-${flag.flag_id}`;

  async function acknowledge(event: FormEvent) {
    event.preventDefault();
    try {
      await call(`/assignments/${flag.assignment_id}/risk-flags/${flag.flag_id}/acknowledge`, {
        method: "POST",
        body: { note: note.trim() || null },
      });
      onDone(flag.flag_id);
    } catch (error) {
      setFailure((error as Error).message);
    }
  }

  return (
    <form className="flag" onSubmit={acknowledge} aria-label={t("caseload.flag", { message: flag.message })}>
      <p>
        <strong>{t("caseload.riskFlag")}</strong> {flag.message}
        {flag.measure && ` (${flag.measure})`}
      </p>
      <label htmlFor={noteId}>{t("caseload.note")}</label>
      <textarea id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      {failure && <p role="alert" className="error">{t("failed", { detail: failure })}</p>}
      <button type="submit">{t("caseload.acknowledge")}</button>
    </form>
  );
}

function Entry({ entry, name, onAcknowledged }: { entry: CaseloadEntry; name: string; onAcknowledged: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const attention = entry.open_risk_flags.length > 0 || entry.worsening || entry.adherence.overdue > 0;
  return (
    <li className={attention ? "attention" : undefined}>
      <Link to={`/clients/${encodeURIComponent(entry.client_id)}`}>{name}</Link>
      <span className="hint">
        {t("caseload.lastActivity", { date: formatDate(entry.last_activity_at, i18n.language) })}
        {entry.adherence.overdue > 0 && ` · ${t("caseload.overdue", { count: entry.adherence.overdue })}`}
        {entry.worsening && ` · ${t("caseload.worsening")}`}
      </span>
      {entry.latest_scores.map((score) => (
        <span key={score.measure} className="hint">
          {t("caseload.latest", { measure: score.measure, value: score.value, band: score.band ?? "—" })}
        </span>
      ))}
      {entry.open_risk_flags.map((flag) => (
        <AcknowledgeFlag key={flag.flag_id} flag={flag} onDone={onAcknowledged} />
      ))}
    </li>
  );
}

/** A client with nothing assigned yet: not in the caseload's projection, but reachable to assign their first activity. */
function Waiting({ client }: { client: ClientAccount }) {
  const { t } = useTranslation();
  return (
    <li>
      <Link to={`/clients/${encodeURIComponent(client.account_id)}`}>{nameOf(client)}</Link>
      <span className="hint">{t("caseload.nothingAssigned")}</span>
    </li>
  );
}

export function Caseload() {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const queryClient = useQueryClient();
  const clients = useClients();
  const names = new Map(clients.map((c) => [c.account_id, nameOf(c)]));
  // The caseload is a projection: an acknowledged flag may still be listed for a moment.
  const [acknowledged, setAcknowledged] = useState<string[]>([]);
  const caseload = useQuery({ queryKey: ["caseload", token], queryFn: () => call<{ clients: CaseloadEntry[] }>("/me/caseload") });

  function onAcknowledged(flagId: string) {
    setAcknowledged((current) => [...current, flagId]);
    void queryClient.invalidateQueries({ queryKey: ["caseload"] });
  }

  const entries = (caseload.data?.clients ?? []).map((entry) => ({
    ...entry,
    open_risk_flags: entry.open_risk_flags.filter((flag) => !acknowledged.includes(flag.flag_id)),
  }));
  const listed = new Set(entries.map((entry) => entry.client_id));
  // After those the API orders: the clients it does not know yet (nothing assigned).
  const waiting = caseload.data ? clients.filter((client) => !listed.has(client.account_id)) : [];
  return (
    <main className="wide">
      <h1>{t("caseload.title")}</h1>
      {acknowledged.length > 0 && <p role="status">{t("caseload.acknowledged")}</p>}
      {caseload.isPending && <p>{t("loading")}</p>}
      {caseload.isError && <p role="alert">{t("failed", { detail: caseload.error.message })}</p>}
      {caseload.data && entries.length === 0 && waiting.length === 0 && <p>{t("caseload.empty")}</p>}
      {entries.length + waiting.length > 0 && (
        <ul className="todo caseload">
          {entries.map((entry) => (
            <Entry
              key={entry.client_id}
              entry={entry}
              name={names.get(entry.client_id) ?? entry.client_id}
              onAcknowledged={onAcknowledged}
            />
          ))}
          {waiting.map((client) => <Waiting key={client.account_id} client={client} />)}
        </ul>
      )}
      <InviteClient />
    </main>
  );
}

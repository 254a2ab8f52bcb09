// A clinic admin's screens (a lazy chunk): invite staff, the audit trail with filters, erase a client
// after a confirmation naming what is destroyed, the clinic's reminder defaults. Only the gateway's
// public API; the gateway checks the role on every call.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { SiteNavigation } from "../components/SiteNavigation";
import { useSession } from "../auth";
import { registerAdminMessages } from "./messages";

registerAdminMessages();

interface ClientAccount {
  account_id: string;
  display_name: string | null;
  username: string;
}

interface AuditEntry {
  entry_id: number;
  at: string;
  actor_id: string;
  actor_role: string;
  action: string;
  client_id: string | null;
  resource: string | null;
}

interface ReminderRule {
  anchor: "release" | "due";
  offset_minutes: number;
}

const STAFF_ROLES = ["therapist", "clinic_admin", "analyst"] as const;

function nameOf(client: ClientAccount): string {
  return client.display_name || client.username;
}

function useClients() {
  const { call, token } = useSession();
  return useQuery({ queryKey: ["clients", token], queryFn: () => call<{ clients: ClientAccount[] }>("/clients?limit=100") });
}

function Failure({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return <p role="alert" className="error">{t("failed", { detail: (error as Error).message })}</p>;
}

export function Team() {
  const { t } = useTranslation();
  const { call } = useSession();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [role, setRole] = useState<string>("therapist");
  const [made, setMade] = useState<{ username: string; code: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const body = { username: username.trim(), role, display_name: displayName.trim() || null };
      const invitation = await call<{ code: string }>("/invitations", { method: "POST", body });
      setMade({ username: body.username, code: invitation.code });
      setUsername("");
      setDisplayName("");
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <main>
      <h1>{t("admin.invite.title")}</h1>
      <form onSubmit={invite}>
        <label htmlFor="invite-email">{t("admin.invite.email")}</label>
        <input id="invite-email" type="email" required value={username} onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="invite-name">{t("admin.invite.name")}</label>
        <input id="invite-name" type="text" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        <label htmlFor="invite-role">{t("admin.invite.role")}</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value)}>
          {STAFF_ROLES.map((value) => (
            <option key={value} value={value}>{t(`admin.invite.roles.${value}`)}</option>
          ))}
        </select>
        <button type="submit">{t("admin.invite.submit")}</button>
      </form>
      {error !== null && <Failure error={error} />}
      {made && (
        <div role="status">
          <p>{t("admin.invite.sent", { username: made.username })}</p>
          <p><code>{`${window.location.origin}/app/invitations/${made.code}`}</code></p>
        </div>
      )}
    </main>
  );
}

export function AuditTrail() {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const clients = useClients();
  const [clientId, setClientId] = useState("");
  const [action, setAction] = useState("");
  const trail = useQuery({
    queryKey: ["audit", clientId, token],
    queryFn: () => call<{ entries: AuditEntry[] }>(`/audit?limit=100${clientId ? `&client_id=${encodeURIComponent(clientId)}` : ""}`),
  });
  const names = new Map((clients.data?.clients ?? []).map((c) => [c.account_id, nameOf(c)]));
  const entries = trail.data?.entries ?? [];
  const actions = Array.from(new Set(entries.map((entry) => entry.action))).sort();
  const shown = action ? entries.filter((entry) => entry.action === action) : entries;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "medium" });

  return (
    <main className="wide">
      <h1>{t("admin.audit.title")}</h1>
      <div className="filters">
        <label htmlFor="audit-client">{t("admin.audit.client")}</label>
        <select id="audit-client" value={clientId} onChange={(e) => setClientId(e.target.value)}>
          <option value="">{t("admin.audit.anyClient")}</option>
          {(clients.data?.clients ?? []).map((client) => (
            <option key={client.account_id} value={client.account_id}>{nameOf(client)}</option>
          ))}
        </select>
        <label htmlFor="audit-action">{t("admin.audit.action")}</label>
        <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
          <option value="">{t("admin.audit.anyAction")}</option>
          {actions.map((name) => (
            <option key={name} value={name}>{name}</option>
          ))}
        </select>
      </div>
      {trail.isPending && <p>{t("loading")}</p>}
      {trail.isError && <Failure error={trail.error} />}
      {trail.data && shown.length === 0 && <p>{t("admin.audit.empty")}</p>}
      {shown.length > 0 && (
        <table>
          <caption>{t("admin.audit.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.audit.when")}</th>
              <th scope="col">{t("admin.audit.who")}</th>
              <th scope="col">{t("admin.audit.what")}</th>
              <th scope="col">{t("admin.audit.about")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr key={entry.entry_id}>
                <td>{when.format(new Date(entry.at))}</td>
                <td>{`${entry.actor_id} (${entry.actor_role})`}</td>
                <td>{entry.action}</td>
                <td>{entry.client_id ? names.get(entry.client_id) ?? entry.client_id : entry.resource ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** What erasing a client destroys, counted from the API, and a confirmation that names them. */
function EraseConfirmation({ client, onDone, onCancel }: { client: ClientAccount; onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const name = nameOf(client);
  const id = encodeURIComponent(client.account_id);
  const counts = useQuery({
    queryKey: ["erasure", client.account_id],
    queryFn: async () => {
      const [assignments, notifications] = await Promise.all([
        call<{ assignments: unknown[]; total?: number }>(`/clients/${id}/assignments?limit=100`),
        call<{ notifications: unknown[]; total?: number }>(`/clients/${id}/notifications?limit=100`),
      ]);
      return {
        assignments: assignments.total ?? assignments.assignments.length,
        notifications: notifications.total ?? notifications.notifications.length,
      };
    },
  });
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function erase(event: FormEvent) {
    event.preventDefault();
    try {
      await call(`/clients/${id}`, { method: "DELETE" });
      onDone();
    } catch (failure) {
      setError(failure);
    }
  }

  const titleId = `erase-${client.account_id}`;
  return (
    <form className="assign" aria-labelledby={titleId} onSubmit={erase}>
      <h2 id={titleId}>{t("admin.clients.confirmTitle", { name })}</h2>
      <p>{t("admin.clients.destroys")}</p>
      {counts.isPending && <p>{t("loading")}</p>}
      {counts.isError && <Failure error={counts.error} />}
      {counts.data && (
        <ul>
          <li>{t("admin.clients.account")}</li>
          <li>{t("admin.clients.assignments", { count: counts.data.assignments })}</li>
          <li>{t("admin.clients.notifications", { count: counts.data.notifications })}</li>
          <li>{t("admin.clients.keys")}</li>
        </ul>
      )}
      <p>{t("admin.clients.kept")}</p>
      <div className="choice">
        <input id={`${titleId}-understood`} type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
        <label htmlFor={`${titleId}-understood`}>{t("admin.clients.understand", { name })}</label>
      </div>
      {error !== null && <Failure error={error} />}
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>{t("admin.clients.cancel")}</button>
        <button type="submit" disabled={!understood || !counts.data}>{t("admin.clients.confirm")}</button>
      </div>
    </form>
  );
}

export function Clients() {
  const { t } = useTranslation();
  const clients = useClients();
  const queryClient = useQueryClient();
  const [erasing, setErasing] = useState<ClientAccount | null>(null);
  const [erased, setErased] = useState<string | null>(null);

  return (
    <main>
      <h1>{t("admin.clients.title")}</h1>
      {erased && <p role="status">{t("admin.clients.erased", { name: erased })}</p>}
      {clients.isPending && <p>{t("loading")}</p>}
      {clients.isError && <Failure error={clients.error} />}
      {clients.data && clients.data.clients.length === 0 && <p>{t("admin.clients.empty")}</p>}
      <ul className="todo">
        {(clients.data?.clients ?? []).map((client) => (
          <li key={client.account_id}>
            <span>{nameOf(client)}</span>
            {erasing?.account_id === client.account_id ? (
              <EraseConfirmation
                client={client}
                onCancel={() => setErasing(null)}
                onDone={() => {
                  setErasing(null);
                  setErased(nameOf(client));
                  void queryClient.invalidateQueries({ queryKey: ["clients"] });
                }}
              />
            ) : (
              <button type="button" className="secondary" onClick={() => setErasing(client)}>
                {t("admin.clients.erase", { name: nameOf(client) })}
              </button>
            )}
          </li>
        ))}
      </ul>
    </main>
  );
}

export function ReminderDefaults() {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const stored = useQuery({
    queryKey: ["reminder-defaults", token],
    queryFn: () => call<{ reminders: ReminderRule[] }>("/clinic/reminder-defaults"),
  });
  const [rules, setRules] = useState<ReminderRule[] | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const shown = rules ?? stored.data?.reminders ?? [];

  function edit(index: number, change: Partial<ReminderRule>) {
    setSaved(false);
    setRules(shown.map((rule, at) => (at === index ? { ...rule, ...change } : rule)));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await call<{ reminders: ReminderRule[] }>("/clinic/reminder-defaults", { method: "PUT", body: { reminders: shown } });
      setRules(answer.reminders);
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <main>
      <h1>{t("admin.reminders.title")}</h1>
      <p>{t("admin.reminders.intro")}</p>
      {stored.isPending && <p>{t("loading")}</p>}
      {stored.isError && <Failure error={stored.error} />}
      {stored.data && (
        <form onSubmit={save}>
          {shown.map((rule, index) => (
            <fieldset key={index} className="item">
              <legend>{t("admin.reminders.rule", { number: index + 1 })}</legend>
              <label htmlFor={`rule-${index}-anchor`}>{t("admin.reminders.anchor")}</label>
              <select id={`rule-${index}-anchor`} value={rule.anchor} onChange={(e) => edit(index, { anchor: e.target.value as ReminderRule["anchor"] })}>
                <option value="release">{t("admin.reminders.anchors.release")}</option>
                <option value="due">{t("admin.reminders.anchors.due")}</option>
              </select>
              <label htmlFor={`rule-${index}-hours`}>{t("admin.reminders.hours")}</label>
              <input id={`rule-${index}-hours`} type="number" step={0.25} value={rule.offset_minutes / 60}
                onChange={(e) => edit(index, { offset_minutes: Math.round(Number(e.target.value) * 60) })} />
              <button type="button" className="secondary" onClick={() => setRules(shown.filter((_, at) => at !== index))}>
                {t("admin.reminders.remove", { number: index + 1 })}
              </button>
            </fieldset>
          ))}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setRules([...shown, { anchor: "due", offset_minutes: -120 }])}>
              {t("admin.reminders.add")}
            </button>
            <button type="submit">{t("admin.reminders.save")}</button>
          </div>
          {saved && <p role="status">{t("admin.reminders.saved")}</p>}
          {error !== null && <Failure error={error} />}
        </form>
      )}
    </main>
  );
}

export default function AdminScreens() {
  const { t } = useTranslation();
  const links: [string, string][] = [
    ["/", t("admin.nav.team")],
    ["/audit", t("admin.nav.audit")],
    ["/clients", t("admin.nav.clients")],
    ["/reminders", t("admin.nav.reminders")],
  ];
  return (
    <>
      <SiteNavigation links={links} />
      <Routes>
        <Route path="/" element={<Team />} />
        <Route path="/audit" element={<AuditTrail />} />
        <Route path="/clients" element={<Clients />} />
        <Route path="/reminders" element={<ReminderDefaults />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}

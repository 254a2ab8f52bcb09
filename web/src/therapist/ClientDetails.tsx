// A client's page beyond assignments and scores: adherence, a follow-up message, what was delivered
// and what is scheduled, and an assignment's timeline.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { formatDate } from "./queries";

interface Adherence {
  assigned: number;
  completed: number;
  overdue: number;
  cancelled: number;
  completion_rate: number | null;
  median_hours_to_complete: number | null;
}

interface Delivery {
  notification_id: string;
  kind: string;
  channel: string;
  attempt: number;
  outcome: string;
  error: string | null;
  attempted_at: string;
}

interface ScheduledEntry {
  entry_id: string;
  kind: string;
  due_at: string;
  next_at: string | null;
  state: string;
}

interface TimelineStep {
  status: string;
  occurred_at: string;
}

const path = (clientId: string, rest: string) => `/clients/${encodeURIComponent(clientId)}/${rest}`;

export function AdherenceSummary({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const adherence = useQuery({ queryKey: ["adherence", clientId, token], queryFn: () => call<Adherence>(path(clientId, "adherence")) });
  if (adherence.isPending) return <p>{t("loading")}</p>;
  if (adherence.isError) return <p role="alert">{t("failed", { detail: adherence.error.message })}</p>;
  const a = adherence.data;
  const rate = a.completion_rate === null ? "—" : `${Math.round(a.completion_rate * 100)} %`;
  const hours = a.median_hours_to_complete === null ? "—" : t("clientMore.hours", { count: Math.round(a.median_hours_to_complete * 10) / 10 });
  return (
    <dl className="adherence">
      <dt>{t("clientMore.assigned")}</dt><dd>{a.assigned}</dd>
      <dt>{t("clientMore.completed")}</dt><dd>{a.completed}</dd>
      <dt>{t("clientMore.overdue")}</dt><dd>{a.overdue}</dd>
      <dt>{t("clientMore.cancelled")}</dt><dd>{a.cancelled}</dd>
      <dt>{t("clientMore.completionRate")}</dt><dd>{rate}</dd>
      <dt>{t("clientMore.medianTime")}</dt><dd>{hours}</dd>
    </dl>
  );
}

export function FollowUp({ clientId, name }: { clientId: string; name: string }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setOutcome(null);
    try {
      await call(path(clientId, "follow-ups"), {
        method: "POST",
        body: { text },
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      setText("");
      setOutcome({ ok: true, text: t("clientMore.messageSent") });
      await queryClient.invalidateQueries({ queryKey: ["deliveries", clientId] });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={send}>
      <label htmlFor="follow-up-text">{t("clientMore.message", { name })}</label>
      <textarea id="follow-up-text" rows={3} maxLength={2000} required value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" disabled={busy || text.trim() === ""}>{t("clientMore.send")}</button>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
    </form>
  );
}

export function Deliveries({ clientId }: { clientId: string }) {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const deliveries = useQuery({
    queryKey: ["deliveries", clientId, token],
    queryFn: () => call<{ deliveries: Delivery[] }>(path(clientId, "deliveries")),
  });
  if (deliveries.isPending) return <p>{t("loading")}</p>;
  if (deliveries.isError) return <p role="alert">{t("failed", { detail: deliveries.error.message })}</p>;
  if (deliveries.data.deliveries.length === 0) return <p>{t("clientMore.noDeliveries")}</p>;
  return (
    <table>
      <caption className="visually-hidden">{t("clientMore.deliveries")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("clientMore.when")}</th>
          <th scope="col">{t("clientMore.kind")}</th>
          <th scope="col">{t("clientMore.channel")}</th>
          <th scope="col">{t("clientMore.outcome")}</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.data.deliveries.map((d) => (
          <tr key={`${d.notification_id}-${d.channel}-${d.attempt}`}>
            <td>{formatDate(d.attempted_at, i18n.language)}</td>
            <td>{t(`clientMore.kinds.${d.kind}`, { defaultValue: d.kind })}</td>
            <td>{t(`clientMore.channels.${d.channel}`, { defaultValue: d.channel })}</td>
            <td>{d.outcome === "sent" ? t("clientMore.sent") : t("clientMore.failedAttempt", { attempt: d.attempt, error: d.error ?? "" })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Scheduled({ clientId }: { clientId: string }) {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const schedule = useQuery({
    queryKey: ["schedule", clientId, token],
    queryFn: () => call<{ entries: ScheduledEntry[] }>(path(clientId, "schedule")),
  });
  if (schedule.isPending) return <p>{t("loading")}</p>;
  if (schedule.isError) return <p role="alert">{t("failed", { detail: schedule.error.message })}</p>;
  if (schedule.data.entries.length === 0) return <p>{t("clientMore.nothingScheduled")}</p>;
  return (
    <table>
      <caption className="visually-hidden">{t("clientMore.scheduled")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("clientMore.when")}</th>
          <th scope="col">{t("clientMore.kind")}</th>
          <th scope="col">{t("clientMore.state")}</th>
        </tr>
      </thead>
      <tbody>
        {schedule.data.entries.map((entry) => (
          <tr key={entry.entry_id}>
            <td>{formatDate(entry.next_at ?? entry.due_at, i18n.language)}</td>
            <td>{t(`clientMore.kinds.${entry.kind}`, { defaultValue: entry.kind })}</td>
            <td>{t(`clientMore.states.${entry.state}`, { defaultValue: entry.state })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An assignment's timeline (assigned, opened, submitted, flags...), fetched when opened. */
export function Timeline({ assignmentId }: { assignmentId: string }) {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const timeline = useQuery({
    queryKey: ["timeline", assignmentId, token],
    queryFn: () => call<{ timeline: TimelineStep[] }>(`/assignments/${assignmentId}/timeline`),
  });
  if (timeline.isPending) return <p>{t("loading")}</p>;
  if (timeline.isError) return <p role="alert">{t("failed", { detail: timeline.error.message })}</p>;
  return (
    <ol className="timeline">
      {timeline.data.timeline.map((step, i) => (
        <li key={i}>
          <time dateTime={step.occurred_at}>{formatDate(step.occurred_at, i18n.language)}</time>{" "}
          {t(`clientMore.steps.${step.status}`, { defaultValue: step.status })}
        </li>
      ))}
    </ol>
  );
}

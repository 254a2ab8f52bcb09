import { useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { useSession } from "../auth";
import { AssignForm } from "./AssignForm";
import { AdherenceSummary, Deliveries, FollowUp, Scheduled, Timeline } from "./ClientDetails";
import { formatDate, useClientNames } from "./queries";
import { ScoreChart } from "./ScoreChart";
import type { ClientAssignment, Progress } from "./types";

function Assignments({ clientId }: { clientId: string }) {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const [open, setOpen] = useState<string | null>(null);
  const assignments = useQuery({
    queryKey: ["client-assignments", clientId, token],
    queryFn: () => call<{ assignments: ClientAssignment[] }>(`/clients/${encodeURIComponent(clientId)}/assignments?limit=100`),
  });
  if (assignments.isPending) return <p>{t("loading")}</p>;
  if (assignments.isError) return <p role="alert">{t("failed", { detail: assignments.error.message })}</p>;
  if (assignments.data.assignments.length === 0) return <p>{t("client.noAssignments")}</p>;
  const newestFirst = [...assignments.data.assignments].sort((a, b) => b.assigned_at.localeCompare(a.assigned_at));
  return (
    <table>
      <caption className="visually-hidden">{t("client.assignments")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("client.activity")}</th>
          <th scope="col">{t("client.status")}</th>
          <th scope="col">{t("client.assigned")}</th>
          <th scope="col">{t("client.due")}</th>
          <th scope="col">{t("client.submitted")}</th>
          <th scope="col">{t("clientMore.timeline")}</th>
        </tr>
      </thead>
      <tbody>
        {newestFirst.map((assignment) => (
          <Fragment key={assignment.assignment_id}>
          <tr>
            <td>{assignment.title}</td>
            <td>{t(`client.statuses.${assignment.status}`, { defaultValue: assignment.status })}</td>
            <td>{formatDate(assignment.assigned_at, i18n.language)}</td>
            <td>{formatDate(assignment.due_at, i18n.language)}</td>
            <td>{formatDate(assignment.submitted_at, i18n.language)}</td>
            <td>
              <button type="button" className="secondary" aria-expanded={open === assignment.assignment_id}
                aria-controls={`timeline-${assignment.assignment_id}`}
                onClick={() => setOpen(open === assignment.assignment_id ? null : assignment.assignment_id)}>
                {t("clientMore.timelineOf", { title: assignment.title })}
              </button>
            </td>
          </tr>
          {open === assignment.assignment_id && (
            <tr id={`timeline-${assignment.assignment_id}`}>
              <td colSpan={6}><Timeline assignmentId={assignment.assignment_id} /></td>
            </tr>
          )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Scores({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const progress = useQuery({
    queryKey: ["progress", clientId, token],
    queryFn: () => call<Progress>(`/clients/${encodeURIComponent(clientId)}/progress`),
  });
  if (progress.isPending) return <p>{t("loading")}</p>;
  if (progress.isError) return <p role="alert">{t("failed", { detail: progress.error.message })}</p>;
  if (progress.data.measures.length === 0) return <p>{t("client.noScores")}</p>;
  return (
    <>
      {progress.data.measures.map((measure) => (
        <ScoreChart key={measure.measure} clientId={clientId} progress={measure} />
      ))}
    </>
  );
}

export function ClientPage() {
  const { t } = useTranslation();
  const { clientId = "" } = useParams();
  const names = useClientNames();
  const [assigning, setAssigning] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);

  function onAssigned(message: string) {
    setAssigning(false);
    setOutcome(message);
  }

  return (
    <main className="wide">
      <p><Link to="/">{t("client.back")}</Link></p>
      <h1>{names.get(clientId) ?? clientId}</h1>
      <h2>{t("client.assignments")}</h2>
      {outcome && <p role="status">{outcome}</p>}
      <button type="button" aria-expanded={assigning} onClick={() => { setAssigning(!assigning); setOutcome(null); }}>
        {t("assign.open")}
      </button>
      {assigning && <AssignForm clientId={clientId} onAssigned={onAssigned} />}
      <Assignments clientId={clientId} />
      <h2>{t("clientMore.adherence")}</h2>
      <AdherenceSummary clientId={clientId} />
      <h2>{t("client.scores")}</h2>
      <Scores clientId={clientId} />
      <h2>{t("clientMore.followUp")}</h2>
      <FollowUp clientId={clientId} name={names.get(clientId) ?? clientId} />
      <h2>{t("clientMore.scheduled")}</h2>
      <Scheduled clientId={clientId} />
      <h2>{t("clientMore.deliveries")}</h2>
      <Deliveries clientId={clientId} />
    </main>
  );
}

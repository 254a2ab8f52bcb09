// "Pathways": sequences of activities, each step released by its rule; clients enrolled on them.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { usePublishedActivities } from "./AssignForm";
import { useClientNames } from "./queries";

export const RELEASE_RULES = ["immediately", "days_after_enrolment", "after_previous_completed", "hours_after_previous_completed", "interval"] as const;
type ReleaseType = (typeof RELEASE_RULES)[number];
/** The amount each rule needs (the contract's NEEDS). */
const AMOUNT: Partial<Record<ReleaseType, "days" | "hours">> = { days_after_enrolment: "days", interval: "days", hours_after_previous_completed: "hours" };

export interface Release {
  type: string;
  days?: number | null;
  hours?: number | null;
}

export interface Pathway {
  pathway_id: string;
  name: string;
  steps: { activity_id: string; title: string; release: Release; due_after_hours: number | null }[];
}

interface Enrolment {
  enrolment_id: string;
  client_id: string;
  status: string;
  steps: { step: number; title: string; status: string }[];
}

/** What can be done to an enrolment, by its status. */
const ENROLMENT_ACTIONS: [string, string][] = [["pause", "active"], ["cancel", "active"], ["resume", "paused"], ["cancel", "paused"]];

interface StepDraft {
  activityId: string;
  release: ReleaseType;
  amount: string;
  dueAfterHours: string;
}

export function usePathways() {
  const { call, token } = useSession();
  return useQuery({ queryKey: ["pathways", token], queryFn: () => call<{ pathways: Pathway[] }>("/pathways") });
}

export function ReleaseText({ release }: { release: Release }) {
  const { t } = useTranslation();
  return <>{t(`pathways.rules.${release.type}`, { count: release.days ?? release.hours ?? 0, defaultValue: release.type })}</>;
}

export function Pathways() {
  const { t } = useTranslation();
  const pathways = usePathways();
  return (
    <main className="wide">
      <h1>{t("pathways.title")}</h1>
      <p className="hint">{t("pathways.intro")}</p>
      {pathways.isError && <p role="alert">{t("failed", { detail: pathways.error.message })}</p>}
      {pathways.data?.pathways.length === 0 && <p>{t("pathways.empty")}</p>}
      {pathways.data?.pathways.map((pathway) => <PathwayCard key={pathway.pathway_id} pathway={pathway} />)}
      <NewPathway />
    </main>
  );
}

function PathwayCard({ pathway }: { pathway: Pathway }) {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const names = useClientNames();
  const queryClient = useQueryClient();
  const [clientId, setClientId] = useState("");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const enrolments = useQuery({
    queryKey: ["enrolments", pathway.pathway_id, token],
    queryFn: () => call<{ enrolments: Enrolment[] }>(`/pathways/${pathway.pathway_id}/enrolments`),
  });
  const headingId = `pathway-${pathway.pathway_id}`;

  async function change(enrolmentId: string, action: string, name: string) {
    setOutcome(null);
    try {
      await call(`/enrolments/${enrolmentId}/${action}`, { method: "POST" });
      setOutcome({ ok: true, text: t(`pathways.actionDone.${action}`, { name }) });
      await queryClient.invalidateQueries({ queryKey: ["enrolments", pathway.pathway_id] });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  async function enrol(event: FormEvent) {
    event.preventDefault();
    setOutcome(null);
    try {
      await call(`/pathways/${pathway.pathway_id}/enrolments`, { method: "POST", body: { client_id: clientId } });
      setOutcome({ ok: true, text: t("pathways.enrolled", { name: names.get(clientId) ?? clientId }) });
      setClientId("");
      await queryClient.invalidateQueries({ queryKey: ["enrolments", pathway.pathway_id] });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{pathway.name}</h2>
      <table>
        <caption>{t("pathways.stepsOf", { name: pathway.name })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("pathways.step")}</th>
            <th scope="col">{t("client.activity")}</th>
            <th scope="col">{t("pathways.release")}</th>
            <th scope="col">{t("pathways.dueAfter")}</th>
          </tr>
        </thead>
        <tbody>
          {pathway.steps.map((step, s) => (
            <tr key={s}>
              <td>{s + 1}</td>
              <td>{step.title}</td>
              <td><ReleaseText release={step.release} /></td>
              <td>{step.due_after_hours === null ? "—" : t("clientMore.hours", { count: step.due_after_hours })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t("pathways.enrolments")}</h3>
      {(enrolments.data?.enrolments ?? []).length === 0 ? (
        <p>{t("pathways.noEnrolments")}</p>
      ) : (
        <ul>
          {enrolments.data!.enrolments.map((enrolment) => {
            const name = names.get(enrolment.client_id) ?? enrolment.client_id;
            return (
              <li key={enrolment.enrolment_id}>
                <span>
                  {name}: {t(`pathways.statuses.${enrolment.status}`, { defaultValue: enrolment.status })}{" — "}
                  {enrolment.steps.map((step) => `${step.step + 1}. ${t(`pathways.stepStatuses.${step.status}`, { defaultValue: step.status })}`).join(", ")}
                </span>{" "}
                {ENROLMENT_ACTIONS.filter(([, from]) => from === enrolment.status).map(([action]) => (
                  <button key={action} type="button" className="secondary" onClick={() => void change(enrolment.enrolment_id, action, name)}>
                    {t(`pathways.actions.${action}`, { name })}
                  </button>
                ))}
              </li>
            );
          })}
        </ul>
      )}
      <form onSubmit={enrol} className="inline">
        <label htmlFor={`${headingId}-client`}>{t("pathways.enrolClient", { name: pathway.name })}</label>
        <select id={`${headingId}-client`} required value={clientId} onChange={(e) => setClientId(e.target.value)}>
          <option value="">{t("pathways.chooseClient")}</option>
          {[...names].map(([id, name]) => <option key={id} value={id}>{name}</option>)}
        </select>
        <button type="submit">{t("pathways.enrol")}</button>
      </form>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
    </section>
  );
}

const NEW_STEP: StepDraft = { activityId: "", release: "immediately", amount: "", dueAfterHours: "" };

function stepRequest(step: StepDraft) {
  const unit = AMOUNT[step.release];
  return {
    activity_id: step.activityId,
    release: { type: step.release, ...(unit ? { [unit]: Number(step.amount) } : {}) },
    ...(step.dueAfterHours.trim() ? { due_after_hours: Number(step.dueAfterHours) } : {}),
  };
}

function NewPathway() {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const activities = usePublishedActivities();
  const [name, setName] = useState("");
  const [steps, setSteps] = useState<StepDraft[]>([NEW_STEP]);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const setStep = (s: number, change: Partial<StepDraft>) => setSteps(steps.map((step, i) => (i === s ? { ...step, ...change } : step)));

  async function create(event: FormEvent) {
    event.preventDefault();
    setOutcome(null);
    try {
      await call("/pathways", { method: "POST", body: { name, steps: steps.map(stepRequest) } });
      setOutcome({ ok: true, text: t("pathways.created", { name }) });
      setName("");
      setSteps([NEW_STEP]);
      await queryClient.invalidateQueries({ queryKey: ["pathways"] });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  return (
    <section aria-labelledby="new-pathway-heading">
      <h2 id="new-pathway-heading">{t("pathways.new")}</h2>
      <form onSubmit={create}>
        <label htmlFor="pathway-name">{t("pathways.name")}</label>
        <input id="pathway-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        {steps.map((step, s) => {
          const id = (field: string) => `pathway-step-${s}-${field}`;
          const unit = AMOUNT[step.release];
          return (
            <fieldset key={s}>
              <legend>{t("pathways.stepLegend", { number: s + 1 })}</legend>
              <label htmlFor={id("activity")}>{t("pathways.stepActivity", { number: s + 1 })}</label>
              <select id={id("activity")} required value={step.activityId} onChange={(e) => setStep(s, { activityId: e.target.value })}>
                <option value="">{t("assign.choose")}</option>
                {(activities.data ?? []).map((a) => <option key={a.activity_id} value={a.activity_id}>{a.draft.title}</option>)}
              </select>
              <label htmlFor={id("release")}>{t("pathways.stepRelease", { number: s + 1 })}</label>
              <select id={id("release")} value={step.release} onChange={(e) => setStep(s, { release: e.target.value as ReleaseType })}>
                {RELEASE_RULES.map((rule) => <option key={rule} value={rule}>{t(`pathways.ruleChoices.${rule}`)}</option>)}
              </select>
              {unit && (
                <>
                  <label htmlFor={id("amount")}>{t(`pathways.amount.${unit}`, { number: s + 1 })}</label>
                  <input id={id("amount")} type="number" required min={0} step={1} value={step.amount} onChange={(e) => setStep(s, { amount: e.target.value })} />
                </>
              )}
              <label htmlFor={id("due")}>{t("pathways.stepDueAfter", { number: s + 1 })}</label>
              <input id={id("due")} type="number" min={1} step={1} value={step.dueAfterHours} onChange={(e) => setStep(s, { dueAfterHours: e.target.value })} />
              {steps.length > 1 && (
                <button type="button" className="secondary" onClick={() => setSteps(steps.filter((_, i) => i !== s))}>
                  {t("pathways.removeStep", { number: s + 1 })}
                </button>
              )}
            </fieldset>
          );
        })}
        <p>
          <button type="button" className="secondary" onClick={() => setSteps([...steps, { ...NEW_STEP, release: "after_previous_completed" }])}>
            {t("pathways.addStep")}
          </button>{" "}
          <button type="submit">{t("pathways.create")}</button>
        </p>
      </form>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
    </section>
  );
}

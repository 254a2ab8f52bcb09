// "Groups": a therapist's groups of clients, their members (a late joiner catches up from the start
// or from today), and activities, recurrences and pathways sent to every member.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { usePublishedActivities } from "./AssignForm";
import { usePathways } from "./Pathways";
import { useClientNames } from "./queries";

interface Group {
  group_id: string;
  name: string;
  members: string[];
  programmes: { programme_id: string; kind: string; started_at: string | null; title: string | null }[];
}

type Outcome = { ok: boolean; text: string } | null;

function useGroups() {
  const { call, token } = useSession();
  return useQuery({ queryKey: ["groups", token], queryFn: () => call<{ groups: Group[] }>("/groups") });
}

function OutcomeText({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>;
}

/** Runs a change, reports it, and refreshes the groups. */
function useChange(setOutcome: (outcome: Outcome) => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return async (change: () => Promise<unknown>, done: string) => {
    setOutcome(null);
    try {
      await change();
      setOutcome({ ok: true, text: done });
      await queryClient.invalidateQueries({ queryKey: ["groups"] });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  };
}

export function Groups() {
  const { t } = useTranslation();
  const groups = useGroups();
  return (
    <main className="wide">
      <h1>{t("groups.title")}</h1>
      {groups.isError && <p role="alert">{t("failed", { detail: groups.error.message })}</p>}
      {groups.data?.groups.length === 0 && <p>{t("groups.empty")}</p>}
      {groups.data?.groups.map((group) => <GroupCard key={group.group_id} group={group} />)}
      <NewGroup />
    </main>
  );
}

function GroupCard({ group }: { group: Group }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const names = useClientNames();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const change = useChange(setOutcome);
  const [joiner, setJoiner] = useState("");
  const [joining, setJoining] = useState("from_start");
  const headingId = `group-${group.group_id}`;
  const nameOf = (id: string) => names.get(id) ?? id;
  const path = `/groups/${group.group_id}`;
  const outsiders = [...names].filter(([id]) => !group.members.includes(id));

  async function addMember(event: FormEvent) {
    event.preventDefault();
    await change(() => call(`${path}/members`, { method: "POST", body: { client_id: joiner, joining } }),
      t("groups.added", { name: nameOf(joiner), group: group.name }));
    setJoiner("");
  }

  return (
    <section aria-labelledby={headingId} className="card">
      <h2 id={headingId}>{group.name}</h2>
      <h3>{t("groups.members")}</h3>
      {group.members.length === 0 ? <p>{t("groups.noMembers")}</p> : (
        <ul>
          {group.members.map((member) => (
            <li key={member}>
              {nameOf(member)}{" "}
              <button type="button" className="secondary"
                onClick={() => void change(() => call(`${path}/members/${encodeURIComponent(member)}`, { method: "DELETE" }),
                  t("groups.removed", { name: nameOf(member), group: group.name }))}>
                {t("groups.remove", { name: nameOf(member), group: group.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={addMember} className="inline">
        <label htmlFor={`${headingId}-joiner`}>{t("groups.addTo", { group: group.name })}</label>
        <select id={`${headingId}-joiner`} required value={joiner} onChange={(e) => setJoiner(e.target.value)}>
          <option value="">{t("pathways.chooseClient")}</option>
          {outsiders.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
        </select>
        <label htmlFor={`${headingId}-joining`}>{t("groups.joining")}</label>
        <select id={`${headingId}-joining`} value={joining} onChange={(e) => setJoining(e.target.value)}>
          <option value="from_start">{t("groups.fromStart")}</option>
          <option value="from_today">{t("groups.fromToday")}</option>
        </select>
        <button type="submit">{t("groups.add")}</button>
      </form>
      <h3>{t("groups.programmes")}</h3>
      {group.programmes.length === 0 ? <p>{t("groups.noProgrammes")}</p> : (
        <ul>
          {group.programmes.map((programme) => (
            <li key={programme.programme_id}>
              {t(`groups.kinds.${programme.kind}`, { defaultValue: programme.kind })}{programme.title ? `: ${programme.title}` : ""}
            </li>
          ))}
        </ul>
      )}
      <SendToGroup group={group} change={change} />
      <OutcomeText outcome={outcome} />
    </section>
  );
}

function SendToGroup({ group, change }: { group: Group; change: ReturnType<typeof useChange> }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const activities = usePublishedActivities();
  const pathways = usePathways();
  const [activityId, setActivityId] = useState("");
  const [due, setDue] = useState("");
  const [pathwayId, setPathwayId] = useState("");
  const id = (field: string) => `group-${group.group_id}-${field}`;
  const path = `/groups/${group.group_id}`;

  async function assign(event: FormEvent) {
    event.preventDefault();
    const body = { activity_id: activityId, ...(due ? { due_at: new Date(due).toISOString() } : {}) };
    await change(() => call(`${path}/assignments`, { method: "POST", body }), t("groups.assigned", { group: group.name }));
    setActivityId("");
    setDue("");
  }

  async function enrol(event: FormEvent) {
    event.preventDefault();
    await change(() => call(`${path}/pathways`, { method: "POST", body: { pathway_id: pathwayId } }), t("groups.enrolled", { group: group.name }));
    setPathwayId("");
  }

  return (
    <>
      <form onSubmit={assign}>
        <label htmlFor={id("activity")}>{t("groups.activity", { group: group.name })}</label>
        <select id={id("activity")} required value={activityId} onChange={(e) => setActivityId(e.target.value)}>
          <option value="">{t("assign.choose")}</option>
          {(activities.data ?? []).map((a) => <option key={a.activity_id} value={a.activity_id}>{a.draft.title}</option>)}
        </select>
        <label htmlFor={id("due")}>{t("groups.due", { group: group.name })}</label>
        <input id={id("due")} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
        <button type="submit">{t("groups.assign", { group: group.name })}</button>
      </form>
      <form onSubmit={enrol}>
        <label htmlFor={id("pathway")}>{t("groups.pathway", { group: group.name })}</label>
        <select id={id("pathway")} required value={pathwayId} onChange={(e) => setPathwayId(e.target.value)}>
          <option value="">{t("groups.choosePathway")}</option>
          {(pathways.data?.pathways ?? []).map((p) => <option key={p.pathway_id} value={p.pathway_id}>{p.name}</option>)}
        </select>
        <button type="submit">{t("groups.enrol", { group: group.name })}</button>
      </form>
    </>
  );
}

function NewGroup() {
  const { t } = useTranslation();
  const { call } = useSession();
  const names = useClientNames();
  const [name, setName] = useState("");
  const [members, setMembers] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const change = useChange(setOutcome);

  async function create(event: FormEvent) {
    event.preventDefault();
    await change(() => call("/groups", { method: "POST", body: { name, members } }), t("groups.created", { name }));
    setName("");
    setMembers([]);
  }

  return (
    <section aria-labelledby="new-group-heading">
      <h2 id="new-group-heading">{t("groups.new")}</h2>
      <form onSubmit={create}>
        <label htmlFor="group-name">{t("groups.name")}</label>
        <input id="group-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset>
          <legend>{t("groups.members")}</legend>
          {[...names].map(([id, display]) => (
            <div key={id} className="check">
              <input id={`new-group-${id}`} type="checkbox" checked={members.includes(id)}
                onChange={(e) => setMembers(e.target.checked ? [...members, id] : members.filter((m) => m !== id))} />
              <label htmlFor={`new-group-${id}`}>{display}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit">{t("groups.create")}</button>
      </form>
      <OutcomeText outcome={outcome} />
    </section>
  );
}

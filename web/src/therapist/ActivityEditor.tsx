// The activity builder's editor: title, instructions and measure, items of every type (with pages,
// options, scores and branches), scoring with bands, cutoff and risk rules; Save and Publish with a
// 422 shown where it belongs; a live preview drawn with the client's own components; versions,
// archive and restore, and the FHIR export.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../api";
import { useSession } from "../auth";
import { ActivityManagement, type StoredActivity } from "./ActivityManagement";
import {
  ITEM_TYPES,
  EMPTY_STATE,
  draftOf,
  itemErrors,
  newItem,
  otherErrors,
  stateOf,
  type BuilderItem,
  type BuilderState,
  type ItemType,
} from "./builder";
import { ItemEditor } from "./ItemEditor";
import { Preview } from "./Preview";
import { ScoringEditor } from "./ScoringEditor";
import { TokenInsert, withToken } from "./TokenInsert";

export function ActivityEditor() {
  const { activityId } = useParams();
  const isNew = activityId === undefined || activityId === "new";
  const { t } = useTranslation();
  const { call, token } = useSession();
  const stored = useQuery({
    queryKey: ["activity", activityId, token],
    queryFn: () => call<StoredActivity>(`/activities/${activityId}`),
    enabled: !isNew,
  });
  if (!isNew && !stored.data) {
    return <main>{stored.isError ? <p role="alert">{t("failed", { detail: stored.error.message })}</p> : <p>{t("loading")}</p>}</main>;
  }
  // No key on purpose: after "Save" creates the activity the route gains its id, and the editor keeps its state.
  return (
    <Editor activityId={isNew ? null : activityId!} stored={stored.data ?? null}
      initial={stored.data ? stateOf(stored.data.draft) : EMPTY_STATE} />
  );
}

function Editor({ activityId: routeId, stored, initial }: { activityId: string | null; stored: StoredActivity | null; initial: BuilderState }) {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [state, setState] = useState<BuilderState>(initial);
  // The id "Save" created, known before the route catches up (its navigation is a transition).
  const [createdId, setCreatedId] = useState<string | null>(null);
  const activityId = routeId ?? createdId;
  const [newType, setNewType] = useState<ItemType>("free_text");
  const [errors, setErrors] = useState<Record<number, string[]>>({});
  const [failure, setFailure] = useState<string[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  function updateItem(index: number, change: Partial<BuilderItem>) {
    setState((current) => ({
      ...current,
      items: current.items.map((item, i) => (i === index ? { ...item, ...change } : item)),
    }));
  }

  function addItem() {
    setState((current) => ({ ...current, items: [...current.items, newItem(newType, current.items.map((i) => i.id))] }));
  }

  function removeItem(index: number) {
    setState((current) => {
      const removed = current.items[index].id;
      const items = current.items
        .filter((_, i) => i !== index)
        .map((item) => (item.branch?.conditions.some((c) => c.itemId === removed) ? { ...item, branch: null } : item));
      return { ...current, items };
    });
  }

  function moveItem(index: number, by: -1 | 1) {
    setState((current) => {
      const items = [...current.items];
      [items[index], items[index + by]] = [items[index + by], items[index]];
      return { ...current, items };
    });
  }

  /** Saves the draft; the activity's id, or null when the gateway refused it. */
  async function save(): Promise<string | null> {
    setErrors({});
    setFailure(null);
    setStatus(null);
    const draft = draftOf(state);
    try {
      if (activityId === null) {
        const created = await call<StoredActivity>("/activities", { method: "POST", body: draft });
        setCreatedId(created.activity_id);
        queryClient.setQueryData(["activity", created.activity_id, token], created);
        await queryClient.invalidateQueries({ queryKey: ["activities"] });
        navigate(`/activities/${created.activity_id}`, { replace: true });
        return created.activity_id;
      }
      await call(`/activities/${activityId}/draft`, { method: "PUT", body: draft });
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      return activityId;
    } catch (error) {
      const problem = error instanceof ApiError && error.problem.status === 422 ? error.problem.errors : undefined;
      setErrors(itemErrors(problem));
      setFailure([(error as Error).message, ...otherErrors(problem)]);
      return null;
    }
  }

  async function onSave(event: FormEvent) {
    event.preventDefault();
    if (await save()) setStatus(t("builder.saved"));
  }

  async function onPublish() {
    const id = await save();
    if (!id) return;
    try {
      const version = await call<{ version: number }>(`/activities/${id}/publish`, { method: "POST" });
      setStatus(t("builder.publishedVersion", { version: version.version }));
      for (const queryKey of [["activities"], ["activity", id], ["versions", id]]) void queryClient.invalidateQueries({ queryKey });
    } catch (error) {
      setFailure([(error as Error).message]);
    }
  }

  const set = (change: Partial<BuilderState>) => setState((current) => ({ ...current, ...change }));
  return (
    <main className="builder">
      <p><Link to="/activities">{t("builder.back")}</Link></p>
      <h1>{state.title || t("builder.untitled")}</h1>
      <form onSubmit={onSave}>
        <label htmlFor="activity-title">{t("builder.title")}</label>
        <input id="activity-title" required maxLength={200} value={state.title} onChange={(e) => set({ title: e.target.value })} />
        <TokenInsert id="activity-title-token" field={t("builder.title")} onInsert={(token) => set({ title: withToken(state.title, token) })} />
        <label htmlFor="activity-instructions">{t("builder.instructions")}</label>
        <textarea id="activity-instructions" rows={3} value={state.instructions} onChange={(e) => set({ instructions: e.target.value })} />
        <TokenInsert id="activity-instructions-token" field={t("builder.instructions")}
          onInsert={(token) => set({ instructions: withToken(state.instructions, token) })} />
        <label htmlFor="activity-measure">{t("builder.measure")}</label>
        <input id="activity-measure" maxLength={50} value={state.measure} aria-describedby="activity-measure-hint"
          onChange={(e) => set({ measure: e.target.value })} />
        <p id="activity-measure-hint" className="hint">{t("builder.measureHint")}</p>
        <h2>{t("builder.items")}</h2>
        <p className="hint">{t("builder.pagesHint")}</p>
        <ol className="builder-items">
          {state.items.map((item, index) => (
            <li key={item.id}>
              <ItemEditor item={item} index={index} count={state.items.length} earlier={state.items.slice(0, index)}
                errors={errors[index] ?? []} onChange={(change) => updateItem(index, change)}
                onRemove={() => removeItem(index)} onMove={(by) => moveItem(index, by)} />
            </li>
          ))}
        </ol>
        <label htmlFor="new-item-type">{t("builder.newItemType")}</label>
        <select id="new-item-type" value={newType} onChange={(e) => setNewType(e.target.value as ItemType)}>
          {ITEM_TYPES.map((type) => <option key={type} value={type}>{t(`builder.types.${type}`)}</option>)}
        </select>
        <button type="button" onClick={addItem}>{t("builder.addItem")}</button>
        <ScoringEditor scoring={state.scoring} items={state.items} onChange={(scoring) => set({ scoring })} />
        {failure && (
          <div role="alert" className="error">
            <p>{t("failed", { detail: failure[0] })}</p>
            {failure.length > 1 && <ul>{failure.slice(1).map((message) => <li key={message}>{message}</li>)}</ul>}
          </div>
        )}
        {status && <p role="status">{status}</p>}
        <p>
          <button type="submit">{t("builder.save")}</button>{" "}
          <button type="button" onClick={onPublish}>{t("builder.publish")}</button>
        </p>
      </form>
      <Preview state={state} />
      {activityId && stored && <ActivityManagement activityId={activityId} stored={stored} />}
    </main>
  );
}

// The activity builder's editor: title, instructions, items by type, a branch on an earlier item,
// Save and Publish; a 422 from the gateway shown at the item it names; a live preview drawn with
// the client's own answering components.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError, type Answer, type Answers } from "../api";
import { useSession } from "../auth";
import { shown } from "../branching";
import { ItemField } from "../components/ItemField";
import {
  BUILDER_TYPES,
  EMPTY_STATE,
  draftOf,
  isEditableType,
  itemErrors,
  newItem,
  operatorsFor,
  previewItemOf,
  stateOf,
  takesValue,
  type Branch,
  type BuilderItem,
  type BuilderState,
  type BuilderType,
  type Draft,
} from "./builder";

interface StoredActivity {
  activity_id: string;
  draft: Draft;
  latest_version: number | null;
}

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
  if (!isNew && !stored.data) return <main><p>{t("loading")}</p></main>;
  // No key on purpose: after "Save" creates the activity the route gains its id, and the editor keeps its state.
  return <Editor activityId={isNew ? null : activityId!} initial={stored.data ? stateOf(stored.data.draft) : EMPTY_STATE} />;
}

function Editor({ activityId, initial }: { activityId: string | null; initial: BuilderState }) {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [state, setState] = useState<BuilderState>(initial);
  const [newType, setNewType] = useState<BuilderType>("free_text");
  const [errors, setErrors] = useState<Record<number, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);
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
    setState((current) => ({ ...current, items: current.items.filter((_, i) => i !== index) }));
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
        queryClient.setQueryData(["activity", created.activity_id, token], created);
        await queryClient.invalidateQueries({ queryKey: ["activities"] });
        navigate(`/activities/${created.activity_id}`, { replace: true });
        return created.activity_id;
      }
      await call(`/activities/${activityId}/draft`, { method: "PUT", body: draft });
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      return activityId;
    } catch (error) {
      if (error instanceof ApiError && error.problem.status === 422) setErrors(itemErrors(error.problem.errors));
      setFailure((error as Error).message);
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
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      setStatus(t("builder.publishedVersion", { version: version.version }));
    } catch (error) {
      setFailure((error as Error).message);
    }
  }

  return (
    <main className="builder">
      <p><Link to="/activities">{t("builder.back")}</Link></p>
      <h1>{state.title || t("builder.untitled")}</h1>
      <form onSubmit={onSave}>
        <label htmlFor="activity-title">{t("builder.title")}</label>
        <input id="activity-title" required maxLength={200} value={state.title}
          onChange={(e) => setState({ ...state, title: e.target.value })} />
        <label htmlFor="activity-instructions">{t("builder.instructions")}</label>
        <textarea id="activity-instructions" rows={3} value={state.instructions}
          onChange={(e) => setState({ ...state, instructions: e.target.value })} />
        <h2>{t("builder.items")}</h2>
        <ol className="builder-items">
          {state.items.map((item, index) => (
            <li key={item.id}>
              <ItemEditor item={item} index={index} earlier={state.items.slice(0, index)} errors={errors[index] ?? []}
                onChange={(change) => updateItem(index, change)} onRemove={() => removeItem(index)} />
            </li>
          ))}
        </ol>
        <label htmlFor="new-item-type">{t("builder.newItemType")}</label>
        <select id="new-item-type" value={newType} onChange={(e) => setNewType(e.target.value as BuilderType)}>
          {BUILDER_TYPES.map((type) => <option key={type} value={type}>{t(`builder.types.${type}`)}</option>)}
        </select>
        <button type="button" onClick={addItem}>{t("builder.addItem")}</button>
        {failure && <p role="alert" className="error">{t("failed", { detail: failure })}</p>}
        {status && <p role="status">{status}</p>}
        <p>
          <button type="submit">{t("builder.save")}</button>{" "}
          <button type="button" onClick={onPublish}>{t("builder.publish")}</button>
        </p>
      </form>
      <Preview state={state} />
    </main>
  );
}

interface ItemEditorProps {
  item: BuilderItem;
  index: number;
  earlier: BuilderItem[];
  errors: string[];
  onChange: (change: Partial<BuilderItem>) => void;
  onRemove: () => void;
}

function ItemEditor({ item, index, earlier, errors, onChange, onRemove }: ItemEditorProps) {
  const { t } = useTranslation();
  const number = index + 1;
  const field = (name: string) => `item-${index}-${name}`;
  const errorId = field("error");
  const typeName = isEditableType(item.type) ? t(`builder.types.${item.type}`) : item.type;
  return (
    <fieldset className="builder-item" aria-describedby={errors.length ? errorId : undefined} aria-invalid={errors.length > 0 || undefined}>
      <legend>{t("builder.itemLegend", { number, type: typeName })}</legend>
      <label htmlFor={field("prompt")}>{t("builder.prompt", { number })}</label>
      <input id={field("prompt")} required value={item.prompt} onChange={(e) => onChange({ prompt: e.target.value })} />
      {item.type === "single_choice" && <OptionsEditor item={item} index={index} onChange={onChange} />}
      {item.type === "linear_scale" && (
        <>
          <label htmlFor={field("min")}>{t("builder.min")}</label>
          <input id={field("min")} type="number" value={item.min} onChange={(e) => onChange({ min: Number(e.target.value) })} />
          <label htmlFor={field("max")}>{t("builder.max")}</label>
          <input id={field("max")} type="number" value={item.max} onChange={(e) => onChange({ max: Number(e.target.value) })} />
        </>
      )}
      {earlier.length > 0 && <BranchEditor item={item} index={index} earlier={earlier} onChange={onChange} />}
      {errors.length > 0 && <p id={errorId} className="error">{errors.join(" ")}</p>}
      <button type="button" onClick={onRemove}>{t("builder.removeItem", { number })}</button>
    </fieldset>
  );
}

function OptionsEditor({ item, index, onChange }: { item: BuilderItem; index: number; onChange: (change: Partial<BuilderItem>) => void }) {
  const { t } = useTranslation();
  const setOption = (o: number, change: Partial<BuilderItem["options"][number]>) =>
    onChange({ options: item.options.map((option, i) => (i === o ? { ...option, ...change } : option)) });
  const addOption = () => {
    const values = item.options.map((o) => o.value);
    let next = item.options.length + 1;
    while (values.includes(`option-${next}`)) next += 1;
    onChange({ options: [...item.options, { value: `option-${next}`, label: "", score: String(item.options.length) }] });
  };
  return (
    <fieldset className="options">
      <legend>{t("builder.options")}</legend>
      {item.options.map((option, o) => {
        const id = `item-${index}-option-${o}`;
        return (
          <div key={o} className="option">
            <label htmlFor={`${id}-label`}>{t("builder.optionLabel", { number: o + 1 })}</label>
            <input id={`${id}-label`} value={option.label} onChange={(e) => setOption(o, { label: e.target.value })} />
            <label htmlFor={`${id}-score`}>{t("builder.optionScore", { number: o + 1 })}</label>
            <input id={`${id}-score`} type="number" value={option.score} onChange={(e) => setOption(o, { score: e.target.value })} />
          </div>
        );
      })}
      <button type="button" onClick={addOption}>{t("builder.addOption")}</button>
    </fieldset>
  );
}

function BranchEditor({ item, index, earlier, onChange }: {
  item: BuilderItem; index: number; earlier: BuilderItem[]; onChange: (change: Partial<BuilderItem>) => void;
}) {
  const { t } = useTranslation();
  const branch = item.branch;
  const target = earlier.find((candidate) => candidate.id === branch?.itemId);
  const setBranch = (change: Partial<Branch>) => onChange({ branch: branch ? { ...branch, ...change } : null });
  const chooseTarget = (itemId: string) => {
    const chosen = earlier.find((candidate) => candidate.id === itemId);
    onChange({ branch: chosen ? { itemId, operator: operatorsFor(chosen.type)[0], value: defaultValue(chosen) } : null });
  };
  const id = (name: string) => `item-${index}-branch-${name}`;
  return (
    <div className="branch">
      <label htmlFor={id("item")}>{t("builder.showIf")}</label>
      <select id={id("item")} value={branch?.itemId ?? ""} onChange={(e) => chooseTarget(e.target.value)}>
        <option value="">{t("builder.always")}</option>
        {earlier.map((candidate, i) => (
          <option key={candidate.id} value={candidate.id}>{t("builder.itemChoice", { number: i + 1, prompt: candidate.prompt || candidate.id })}</option>
        ))}
      </select>
      {branch && target && (
        <>
          <label htmlFor={id("operator")}>{t("builder.operator")}</label>
          <select id={id("operator")} value={branch.operator} onChange={(e) => setBranch({ operator: e.target.value })}>
            {operatorsFor(target.type).map((operator) => <option key={operator} value={operator}>{t(`builder.operators.${operator}`)}</option>)}
          </select>
          {takesValue(branch.operator) && <ValueControl id={id("value")} target={target} value={branch.value} onChange={(value) => setBranch({ value })} />}
        </>
      )}
    </div>
  );
}

function defaultValue(target: BuilderItem): string {
  if (target.type === "yes_no") return "yes";
  if (target.type === "single_choice") return target.options[0]?.value ?? "";
  if (target.type === "linear_scale") return String(target.min);
  return "";
}

function ValueControl({ id, target, value, onChange }: { id: string; target: BuilderItem; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const label = <label htmlFor={id}>{t("builder.value")}</label>;
  if (target.type === "yes_no" || target.type === "single_choice") {
    const choices = target.type === "yes_no"
      ? [{ value: "yes", label: t("answer.yes") }, { value: "no", label: t("answer.no") }]
      : target.options.map((option) => ({ value: option.value, label: option.label || option.value }));
    return (
      <>
        {label}
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {choices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </>
    );
  }
  return (
    <>
      {label}
      <input id={id} type={target.type === "linear_scale" ? "number" : "text"} value={value} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}

/** The activity as the client will see it, with the same components and branching. */
function Preview({ state }: { state: BuilderState }) {
  const { t } = useTranslation();
  const [answers, setAnswers] = useState<Answers>({});
  const items = state.items.map((item) => ({ ...previewItemOf(item, state.items), id: `preview-${item.id}`, source: item.id }));
  const set = (itemId: string, value: Answer | undefined) =>
    setAnswers((current) => {
      const next = { ...current };
      if (value === undefined) delete next[itemId];
      else next[itemId] = value;
      return next;
    });
  return (
    <section aria-labelledby="preview-heading" className="preview">
      <h2 id="preview-heading">{t("builder.preview")}</h2>
      {state.instructions && <p>{state.instructions}</p>}
      {items
        .filter((item) => shown(item.show_if, answers))
        .map(({ source, ...item }) => (
          <ItemField key={item.id} item={item} value={answers[source]} errors={[]} onChange={(value) => set(source, value)} />
        ))}
    </section>
  );
}

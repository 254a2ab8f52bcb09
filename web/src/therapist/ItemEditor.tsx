// One item in the builder: its prompt, the settings of its type, options with scores, media,
// where a page starts, and the conditions on earlier items that show it.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import {
  CHOICE_TYPES,
  MEDIA_KINDS,
  SETTINGS,
  isAnswerable,
  isItemType,
  newCondition,
  type Branch,
  type BuilderItem,
  type BuilderOption,
  type Condition,
  type MediaDraft,
} from "./builder";
import { ConditionEditor } from "./ConditionEditor";
import { TokenInsert, withToken } from "./TokenInsert";

type Change = (change: Partial<BuilderItem>) => void;

interface Props {
  item: BuilderItem;
  index: number;
  count: number;
  earlier: BuilderItem[];
  errors: string[];
  onChange: Change;
  onRemove: () => void;
  onMove: (by: -1 | 1) => void;
}

export function ItemEditor({ item, index, count, earlier, errors, onChange, onRemove, onMove }: Props) {
  const { t } = useTranslation();
  const number = index + 1;
  const field = (name: string) => `item-${index}-${name}`;
  const errorId = field("error");
  const typeName = isItemType(item.type) ? t(`builder.types.${item.type}`) : item.type;
  const promptLabel = t("builder.prompt", { number });
  const long = item.type === "display_text";
  return (
    <fieldset className="builder-item" aria-describedby={errors.length ? errorId : undefined} aria-invalid={errors.length > 0 || undefined}>
      <legend>{t("builder.itemLegend", { number, type: typeName })}</legend>
      <PageStartEditor item={item} index={index} earlier={earlier} onChange={onChange} />
      <label htmlFor={field("prompt")}>{promptLabel}</label>
      {long ? (
        <textarea id={field("prompt")} required rows={4} value={item.prompt} onChange={(e) => onChange({ prompt: e.target.value })} />
      ) : (
        <input id={field("prompt")} required value={item.prompt} onChange={(e) => onChange({ prompt: e.target.value })} />
      )}
      <TokenInsert id={field("prompt-token")} field={promptLabel} onInsert={(token) => onChange({ prompt: withToken(item.prompt, token) })} />
      {isAnswerable(item.type) && (
        <div className="check">
          <input id={field("required")} type="checkbox" checked={item.required !== false} onChange={(e) => onChange({ required: e.target.checked })} />
          <label htmlFor={field("required")}>{t("builder.required")}</label>
        </div>
      )}
      <SettingsEditor item={item} index={index} onChange={onChange} />
      {CHOICE_TYPES.includes(item.type) && <OptionsEditor item={item} index={index} onChange={onChange} />}
      {(item.type === "media" || item.type === "timed_practice") && <MediaEditor item={item} index={index} onChange={onChange} />}
      {earlier.some((candidate) => isAnswerable(candidate.type)) && (
        <BranchEditor item={item} index={index} earlier={earlier} onChange={onChange} />
      )}
      {errors.length > 0 && <p id={errorId} className="error">{errors.join(" ")}</p>}
      <p className="item-actions">
        <button type="button" className="secondary" disabled={index === 0} onClick={() => onMove(-1)}>{t("builder.moveUp", { number })}</button>{" "}
        <button type="button" className="secondary" disabled={index === count - 1} onClick={() => onMove(1)}>{t("builder.moveDown", { number })}</button>{" "}
        <button type="button" className="secondary" onClick={onRemove}>{t("builder.removeItem", { number })}</button>
      </p>
    </fieldset>
  );
}

function PageStartEditor({ item, index, earlier, onChange }: { item: BuilderItem; index: number; earlier: BuilderItem[]; onChange: Change }) {
  const { t } = useTranslation();
  const id = `item-${index}-page`;
  const number = index + 1;
  const page = item.page;
  const candidates = earlier.filter((candidate) => isAnswerable(candidate.type));
  const numberOf = (candidate: BuilderItem) => earlier.indexOf(candidate) + 1;
  return (
    <div className="page-start">
      <div className="check">
        <input id={id} type="checkbox" checked={page !== null}
          onChange={(e) => onChange({ page: e.target.checked ? { id: `page-${item.id}`, title: "", kept: {} } : null })} />
        <label htmlFor={id}>{t("builder.startsPage", { number })}</label>
      </div>
      {page && (
        <>
          <label htmlFor={`${id}-title`}>{t("builder.pageTitle", { number })}</label>
          <input id={`${id}-title`} value={page.title} onChange={(e) => onChange({ page: { ...page, title: e.target.value } })} />
          {candidates.length > 0 && (
            <ConditionEditor idPrefix={`${id}-branch`} candidates={candidates} numberOf={numberOf}
              condition={page.branch?.conditions[0] ?? null}
              onChange={(condition) => onChange({ page: { ...page, branch: condition ? { combinator: page.branch?.combinator ?? "all", conditions: [condition, ...(page.branch?.conditions.slice(1) ?? [])] } : null } })}
              labels={{
                item: t("builder.pageShowIf", { number }),
                operator: t("builder.pageOperator", { number }),
                value: t("builder.pageValue", { number }),
                none: t("builder.always"),
              }} />
          )}
        </>
      )}
    </div>
  );
}

function SettingsEditor({ item, index, onChange }: { item: BuilderItem; index: number; onChange: Change }) {
  const { t } = useTranslation();
  if (!isItemType(item.type)) return null;
  return (
    <>
      {SETTINGS[item.type].map((setting) => {
        const id = `item-${index}-${setting.key}`;
        return (
          <div key={setting.key} className="setting">
            <label htmlFor={id}>{t(`builder.settings.${setting.key}`)}</label>
            <input id={id} type={setting.kind === "text" ? "text" : "number"} step={setting.kind === "int" ? 1 : "any"}
              value={item.settings[setting.key] ?? ""}
              onChange={(e) => onChange({ settings: { ...item.settings, [setting.key]: e.target.value } })} />
          </div>
        );
      })}
    </>
  );
}

function OptionsEditor({ item, index, onChange }: { item: BuilderItem; index: number; onChange: Change }) {
  const { t } = useTranslation();
  const setOption = (o: number, change: Partial<BuilderOption>) =>
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
            <input id={`${id}-score`} type="number" step="any" value={option.score} onChange={(e) => setOption(o, { score: e.target.value })} />
            <button type="button" className="secondary" onClick={() => onChange({ options: item.options.filter((_, i) => i !== o) })}>
              {t("builder.removeOption", { number: o + 1 })}
            </button>
          </div>
        );
      })}
      <button type="button" onClick={addOption}>{t("builder.addOption")}</button>
    </fieldset>
  );
}

const EMPTY_MEDIA: MediaDraft = { kind: "audio", url: "", alt: "", title: "", kept: {} };

function MediaEditor({ item, index, onChange }: { item: BuilderItem; index: number; onChange: Change }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const [failure, setFailure] = useState<string | null>(null);
  const media = item.media ?? EMPTY_MEDIA;
  const set = (change: Partial<MediaDraft>) => onChange({ media: { ...media, ...change } });
  const id = (name: string) => `item-${index}-media-${name}`;

  async function upload(file: File | undefined) {
    if (!file) return;
    setFailure(null);
    try {
      const stored = await call<{ url: string; kind: string }>("/media", { method: "POST", raw: file, contentType: file.type });
      set({ url: stored.url, kind: stored.kind });
    } catch (error) {
      setFailure((error as Error).message);
    }
  }

  return (
    <fieldset className="media">
      <legend>{t("builder.media.legend")}</legend>
      <label htmlFor={id("kind")}>{t("builder.media.kind")}</label>
      <select id={id("kind")} value={media.kind} onChange={(e) => set({ kind: e.target.value })}>
        {MEDIA_KINDS.map((kind) => <option key={kind} value={kind}>{t(`builder.media.kinds.${kind}`)}</option>)}
      </select>
      <label htmlFor={id("url")}>{t("builder.media.url")}</label>
      <input id={id("url")} value={media.url} onChange={(e) => set({ url: e.target.value })} />
      <label htmlFor={id("file")}>{t("builder.media.upload")}</label>
      <input id={id("file")} type="file" accept="image/*,audio/*,video/*" onChange={(e) => void upload(e.target.files?.[0])} />
      {failure && <p role="alert" className="error">{t("failed", { detail: failure })}</p>}
      <label htmlFor={id("alt")}>{t("builder.media.alt")}</label>
      <input id={id("alt")} value={media.alt} onChange={(e) => set({ alt: e.target.value })} />
      <label htmlFor={id("title")}>{t("builder.media.title")}</label>
      <input id={id("title")} value={media.title} onChange={(e) => set({ title: e.target.value })} />
    </fieldset>
  );
}

function BranchEditor({ item, index, earlier, onChange }: { item: BuilderItem; index: number; earlier: BuilderItem[]; onChange: Change }) {
  const { t } = useTranslation();
  const candidates = earlier.filter((candidate) => isAnswerable(candidate.type));
  const numberOf = (candidate: BuilderItem) => earlier.indexOf(candidate) + 1;
  const branch: Branch = item.branch ?? { combinator: "all", conditions: [] };
  const setConditions = (conditions: Condition[]) => onChange({ branch: conditions.length ? { ...branch, conditions } : null });
  const setCondition = (c: number, condition: Condition | null) => {
    const conditions = [...branch.conditions];
    if (condition) conditions[c] = condition;
    else conditions.splice(c, 1);
    setConditions(conditions);
  };
  const rows = branch.conditions.length ? branch.conditions : [null];
  const id = `item-${index}-branch`;
  return (
    <div className="branch">
      {rows.map((condition, c) => (
        <ConditionEditor key={c} idPrefix={c === 0 ? id : `${id}-${c}`} candidates={candidates} numberOf={numberOf}
          condition={condition} onChange={(next) => setCondition(c, next)}
          labels={c === 0
            ? { item: t("builder.showIf"), operator: t("builder.operator"), value: t("builder.value"), none: t("builder.always") }
            : {
                item: t("builder.conditionItem", { number: c + 1 }),
                operator: t("builder.conditionOperator", { number: c + 1 }),
                value: t("builder.conditionValue", { number: c + 1 }),
                none: t("builder.removeCondition"),
              }} />
      ))}
      {branch.conditions.length > 1 && (
        <>
          <label htmlFor={`${id}-combinator`}>{t("builder.combinator")}</label>
          <select id={`${id}-combinator`} value={branch.combinator} onChange={(e) => onChange({ branch: { ...branch, combinator: e.target.value as Branch["combinator"] } })}>
            <option value="all">{t("builder.combinators.all")}</option>
            <option value="any">{t("builder.combinators.any")}</option>
          </select>
        </>
      )}
      {branch.conditions.length > 0 && (
        <button type="button" className="secondary" onClick={() => setConditions([...branch.conditions, newCondition(candidates[0])])}>
          {t("builder.addCondition", { number: index + 1 })}
        </button>
      )}
    </div>
  );
}

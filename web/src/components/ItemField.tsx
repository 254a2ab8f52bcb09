// One item of an activity: a native, labelled control per answerable type (the prompt is the
// field's label, or a group's legend for choices), or the content a display item shows.
import { type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Answer, Item } from "../api";
import { MediaView } from "./MediaView";
import { inline, Markdown } from "./Markdown";
import { TimedPractice } from "./TimedPractice";

interface Props {
  item: Item;
  value: Answer | undefined;
  errors: string[];
  onChange: (value: Answer | undefined) => void;
}

function numberOrUndefined(text: string): number | undefined {
  return text === "" || Number.isNaN(Number(text)) ? undefined : Number(text);
}

function ErrorText({ id, errors }: { id: string; errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <p id={id} className="error">
      {errors.join(" ")}
    </p>
  );
}

function Optional({ item }: { item: Item }) {
  const { t } = useTranslation();
  return item.answerable && item.required === false ? <span className="optional"> {t("answer.optional")}</span> : null;
}

function Group({ item, errors, children, hint }: { item: Item; errors: string[]; children: ReactNode; hint?: ReactNode }) {
  const errorId = `${item.id}-error`;
  return (
    <fieldset className="item" aria-describedby={errors.length ? errorId : undefined} aria-invalid={errors.length > 0 || undefined}>
      <legend>
        {inline(item.prompt)}
        <Optional item={item} />
      </legend>
      {hint}
      {children}
      <ErrorText id={errorId} errors={errors} />
    </fieldset>
  );
}

function Choice({ item, type, name, value, label, checked, onChange }: {
  item: Item; type: "radio" | "checkbox"; name: string; value: string; label: string; checked: boolean; onChange: (checked: boolean) => void;
}) {
  const id = `${item.id}-${value}`;
  return (
    <div className="choice">
      <input id={id} type={type} name={name} value={value} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

function Scale({ item }: { item: Item }) {
  if (!item.min_label && !item.max_label) return null;
  return (
    <p className="scale-labels">
      <span>{item.min_label}</span>
      <span>{item.max_label}</span>
    </p>
  );
}

/**
 * A visual-analogue slider. A range input always has a value, so an untouched one shows and says "not
 * answered" (and is not sent); the first touch answers it — a click or tap (even on the middle) or a key.
 */
function Slider({ item, value, id, described, invalid, onChange }: {
  item: Item; value: Answer | undefined; id: string; described?: string; invalid?: boolean; onChange: (value: Answer | undefined) => void;
}) {
  const { t } = useTranslation();
  const min = item.min ?? 0;
  const max = item.max ?? 10;
  const decimals = item.decimals ?? 1;
  const touched = typeof value === "number";
  const take = (input: HTMLInputElement) => onChange(Number(Number(input.value).toFixed(decimals)));
  return (
    <>
      <input id={id} type="range" className={touched ? undefined : "untouched"} min={min} max={max} step={10 ** -decimals}
        value={touched ? value : (min + max) / 2} aria-valuetext={touched ? undefined : t("answer.notSet")}
        aria-describedby={described} aria-invalid={invalid}
        onChange={(e) => take(e.currentTarget)}
        onPointerUp={(e) => {
          if (!touched) take(e.currentTarget);
        }}
        onKeyUp={(e) => {
          if (!touched && e.key === " ") take(e.currentTarget);
        }} />
      <output htmlFor={id}>{touched ? t("answer.value", { value }) : t("answer.notSet")}</output>
      {touched && item.required === false && (
        <button type="button" className="secondary" onClick={() => onChange(undefined)}>{t("answer.clear")}</button>
      )}
    </>
  );
}

export function ItemField({ item, value, errors, onChange }: Props) {
  const { t } = useTranslation();
  const id = `item-${item.id}`;
  const errorId = `${item.id}-error`;
  const described = errors.length ? errorId : undefined;
  const invalid = errors.length > 0 || undefined;

  const labelled = (control: ReactNode, hint?: ReactNode) => (
    <div className="item">
      <label htmlFor={id}>{inline(item.prompt)}</label>
      <Optional item={item} />
      {hint}
      {control}
      <ErrorText id={errorId} errors={errors} />
    </div>
  );
  const common = { id, "aria-describedby": described, "aria-invalid": invalid, required: item.required !== false };

  switch (item.type) {
    case "heading":
      return <h2>{inline(item.prompt)}</h2>;
    case "display_text":
      return <Markdown text={item.prompt} />;
    case "media":
      return (
        <figure className="item">
          {item.media && <MediaView media={item.media} />}
          <figcaption>{inline(item.prompt)}</figcaption>
        </figure>
      );
    case "free_text":
      return labelled(
        <input {...common} type="text" maxLength={item.max_length} value={(value as string) ?? ""}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} />,
      );
    case "long_text":
      return labelled(
        <textarea {...common} rows={5} maxLength={item.max_length} value={(value as string) ?? ""}
          onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} />,
      );
    case "number":
      return labelled(
        <input {...common} type="number" inputMode="decimal" min={item.min} max={item.max}
          step={item.decimals ? 10 ** -item.decimals : 1} value={value === undefined ? "" : String(value)}
          onChange={(e) => onChange(numberOrUndefined(e.target.value))} />,
        item.unit ? <span className="unit">{item.unit}</span> : undefined,
      );
    case "date":
      return labelled(
        <input {...common} type="date" value={(value as string) ?? ""} onChange={(e) => onChange(e.target.value || undefined)} />,
      );
    case "time":
      return labelled(
        <input {...common} type="time" value={(value as string) ?? ""} onChange={(e) => onChange(e.target.value || undefined)} />,
      );
    case "visual_analogue_scale":
      return labelled(<Slider item={item} value={value} id={id} described={described} invalid={invalid} onChange={onChange} />, <Scale item={item} />);
    case "timed_practice":
      return <TimedPractice item={item} value={value} errors={errors} errorId={errorId} onChange={onChange} />;
    case "single_choice":
      return (
        <Group item={item} errors={errors}>
          {(item.options ?? []).map((option) => (
            <Choice key={option.value} item={item} type="radio" name={item.id} value={option.value} label={option.label}
              checked={value === option.value} onChange={() => onChange(option.value)} />
          ))}
        </Group>
      );
    case "multiple_choice": {
      const chosen = Array.isArray(value) ? value : [];
      return (
        <Group item={item} errors={errors}>
          {(item.options ?? []).map((option) => (
            <Choice key={option.value} item={item} type="checkbox" name={item.id} value={option.value} label={option.label}
              checked={chosen.includes(option.value)}
              onChange={(checked) => {
                const next = checked ? [...chosen, option.value] : chosen.filter((v) => v !== option.value);
                onChange(next.length ? next : undefined);
              }} />
          ))}
        </Group>
      );
    }
    case "linear_scale": {
      const min = item.min ?? 0;
      const max = item.max ?? 10;
      const step = item.step ?? 1;
      const points: number[] = [];
      for (let point = min; point <= max; point += step) points.push(point);
      return (
        <Group item={item} errors={errors} hint={<Scale item={item} />}>
          <div className="scale">
            {points.map((point) => (
              <Choice key={point} item={item} type="radio" name={item.id} value={String(point)} label={String(point)}
                checked={value === point} onChange={() => onChange(point)} />
            ))}
          </div>
        </Group>
      );
    }
    case "yes_no":
      return (
        <Group item={item} errors={errors}>
          <Choice item={item} type="radio" name={item.id} value="yes" label={t("answer.yes")} checked={value === true} onChange={() => onChange(true)} />
          <Choice item={item} type="radio" name={item.id} value="no" label={t("answer.no")} checked={value === false} onChange={() => onChange(false)} />
        </Group>
      );
    default:
      return <Markdown text={item.prompt} />;
  }
}

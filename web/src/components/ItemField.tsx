// One item of an activity: a native, labelled control per answerable type (the prompt is the
// field's label, or a group's legend for choices), or the content a display item shows.
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Answer, Item, Media } from "../api";
import { useSession } from "../auth";

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

function Group({ item, errors, children, hint }: { item: Item; errors: string[]; children: ReactNode; hint?: ReactNode }) {
  const errorId = `${item.id}-error`;
  return (
    <fieldset className="item" aria-describedby={errors.length ? errorId : undefined} aria-invalid={errors.length > 0 || undefined}>
      <legend>{item.prompt}</legend>
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

/** Media behind the API's token: fetched, then shown from a blob URL. */
function MediaView({ media }: { media: Media }) {
  const { token } = useSession();
  const [source, setSource] = useState<string | null>(null);
  useEffect(() => {
    let revoked = false;
    let url: string | null = null;
    const path = new URL(media.url, window.location.origin);
    const sameOrigin = path.origin === window.location.origin;
    if (!sameOrigin) {
      setSource(media.url);
      return;
    }
    fetch(path.pathname, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then((blob) => {
        if (revoked) return;
        url = URL.createObjectURL(blob);
        setSource(url);
      })
      .catch(() => undefined);
    return () => {
      revoked = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [media.url, token]);
  if (!source) return null;
  if (media.kind === "image") return <img src={source} alt={media.alt ?? ""} />;
  if (media.kind === "audio") return <audio controls src={source} title={media.title} />;
  return <video controls src={source} title={media.title} />;
}

export function ItemField({ item, value, errors, onChange }: Props) {
  const { t } = useTranslation();
  const id = `item-${item.id}`;
  const errorId = `${item.id}-error`;
  const described = errors.length ? errorId : undefined;
  const invalid = errors.length > 0 || undefined;
  const optional = item.answerable && item.required === false ? <span className="optional"> {t("answer.optional")}</span> : null;

  const labelled = (control: ReactNode, hint?: ReactNode) => (
    <div className="item">
      <label htmlFor={id}>{item.prompt}</label>
      {optional}
      {hint}
      {control}
      <ErrorText id={errorId} errors={errors} />
    </div>
  );
  const common = { id, "aria-describedby": described, "aria-invalid": invalid, required: item.required !== false };

  switch (item.type) {
    case "heading":
      return <h2>{item.prompt}</h2>;
    case "display_text":
      return <p className="display-text">{item.prompt}</p>;
    case "media":
      return (
        <figure className="item">
          {item.media && <MediaView media={item.media} />}
          <figcaption>{item.prompt}</figcaption>
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
    case "visual_analogue_scale": {
      const min = item.min ?? 0;
      const max = item.max ?? 100;
      return labelled(
        <>
          <input {...common} type="range" min={min} max={max} step={item.decimals ? 10 ** -item.decimals : 1}
            value={value === undefined ? (min + max) / 2 : String(value)}
            onChange={(e) => onChange(Number(e.target.value))} />
          <output htmlFor={id}>{t("answer.value", { value: value === undefined ? t("answer.notSet") : value })}</output>
        </>,
        <Scale item={item} />,
      );
    }
    case "timed_practice":
      return labelled(
        <input {...common} type="number" inputMode="numeric" min={0} max={item.duration_seconds} step={1}
          value={value === undefined ? "" : String(value)} onChange={(e) => onChange(numberOrUndefined(e.target.value))} />,
        <>
          {item.media && <MediaView media={item.media} />}
          <p className="hint">{t("answer.seconds", { max: item.duration_seconds })}</p>
        </>,
      );
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
      return <p className="display-text">{item.prompt}</p>;
  }
}

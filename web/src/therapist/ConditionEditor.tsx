// One condition on an earlier item's answer, picked from that item: used by branching and risk rules.
import { useTranslation } from "react-i18next";
import { CHOICE_TYPES, newCondition, operatorsFor, takesValue, type BuilderItem, type Condition } from "./builder";

export interface ConditionLabels {
  item: string;
  operator: string;
  value: string;
  none?: string; // offered as the first choice when the condition may be removed by picking no item
}

interface Props {
  idPrefix: string;
  labels: ConditionLabels;
  candidates: BuilderItem[];
  /** Where each candidate sits in the whole activity, for "Item N: prompt". */
  numberOf: (item: BuilderItem) => number;
  condition: Condition | null;
  onChange: (condition: Condition | null) => void;
}

export function ConditionEditor({ idPrefix, labels, candidates, numberOf, condition, onChange }: Props) {
  const { t } = useTranslation();
  const target = candidates.find((candidate) => candidate.id === condition?.itemId);
  const id = (name: string) => `${idPrefix}-${name}`;
  const chooseTarget = (itemId: string) => {
    const chosen = candidates.find((candidate) => candidate.id === itemId);
    onChange(chosen ? newCondition(chosen) : null);
  };
  return (
    <div className="condition">
      <label htmlFor={id("item")}>{labels.item}</label>
      <select id={id("item")} value={condition?.itemId ?? ""} onChange={(e) => chooseTarget(e.target.value)}>
        {(labels.none !== undefined || !target) && <option value="">{labels.none ?? t("builder.pickItem")}</option>}
        {candidates.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {t("builder.itemChoice", { number: numberOf(candidate), prompt: candidate.prompt || candidate.id })}
          </option>
        ))}
      </select>
      {condition && target && (
        <>
          <label htmlFor={id("operator")}>{labels.operator}</label>
          <select id={id("operator")} value={condition.operator} onChange={(e) => onChange({ ...condition, operator: e.target.value })}>
            {operatorsFor(target.type).map((operator) => (
              <option key={operator} value={operator}>{t(`builder.operators.${operator}`)}</option>
            ))}
          </select>
          {takesValue(condition.operator) && (
            <ValueControl id={id("value")} label={labels.value} target={target} value={condition.value}
              onChange={(value) => onChange({ ...condition, value })} />
          )}
        </>
      )}
    </div>
  );
}

function ValueControl({ id, label, target, value, onChange }: {
  id: string; label: string; target: BuilderItem; value: string; onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const labelled = <label htmlFor={id}>{label}</label>;
  if (target.type === "yes_no" || CHOICE_TYPES.includes(target.type)) {
    const choices = target.type === "yes_no"
      ? [{ value: "yes", label: t("answer.yes") }, { value: "no", label: t("answer.no") }]
      : target.options.map((option) => ({ value: option.value, label: option.label || option.value }));
    return (
      <>
        {labelled}
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          {choices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </>
    );
  }
  const inputType = { date: "date", time: "time", free_text: "text", long_text: "text" }[target.type] ?? "number";
  return (
    <>
      {labelled}
      <input id={id} type={inputType} step="any" value={value} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}

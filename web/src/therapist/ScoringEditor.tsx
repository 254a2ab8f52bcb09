// Scoring in the builder: the total from chosen items (sum or mean, reversed items, multiplier),
// its bands and cutoff, and the risk rules that flag an answer for the therapist.
import { useTranslation } from "react-i18next";
import { SCORABLE_TYPES, freshId, isAnswerable, newCondition, type Band, type BuilderItem, type RiskRule, type ScoringState } from "./builder";
import { ConditionEditor } from "./ConditionEditor";

interface Props {
  scoring: ScoringState;
  items: BuilderItem[];
  onChange: (scoring: ScoringState) => void;
}

export function ScoringEditor({ scoring, items, onChange }: Props) {
  const { t } = useTranslation();
  const set = (change: Partial<ScoringState>) => onChange({ ...scoring, ...change });
  return (
    <section aria-labelledby="scoring-heading" className="scoring">
      <h2 id="scoring-heading">{t("builder.scoring.title")}</h2>
      <div className="check">
        <input id="scoring-total" type="checkbox" checked={scoring.total} onChange={(e) => set({ total: e.target.checked })} />
        <label htmlFor="scoring-total">{t("builder.scoring.total")}</label>
      </div>
      {scoring.total && <Total scoring={scoring} items={items} set={set} />}
      <RiskRules scoring={scoring} items={items} set={set} />
    </section>
  );
}

function toggled(list: string[], id: string, on: boolean): string[] {
  return on ? [...list.filter((x) => x !== id), id] : list.filter((x) => x !== id);
}

function Total({ scoring, items, set }: { scoring: ScoringState; items: BuilderItem[]; set: (change: Partial<ScoringState>) => void }) {
  const { t } = useTranslation();
  const numberOf = (item: BuilderItem) => items.indexOf(item) + 1;
  const scorable = items.filter((item) => SCORABLE_TYPES.includes(item.type));
  const chosen = scorable.filter((item) => scoring.items.includes(item.id));
  const setBand = (b: number, change: Partial<Band>) => set({ bands: scoring.bands.map((band, i) => (i === b ? { ...band, ...change } : band)) });
  const addBand = () => {
    const last = scoring.bands[scoring.bands.length - 1];
    const from = last && last.max !== "" ? String(Number(last.max) + 1) : "0";
    set({ bands: [...scoring.bands, { min: from, max: from, label: "" }] });
  };
  return (
    <>
      <label htmlFor="scoring-label">{t("builder.scoring.label")}</label>
      <input id="scoring-label" value={scoring.label} onChange={(e) => set({ label: e.target.value })} />
      <fieldset>
        <legend>{t("builder.scoring.items")}</legend>
        {scorable.length === 0 && <p>{t("builder.scoring.noScorable")}</p>}
        {scorable.map((item) => (
          <div key={item.id} className="check">
            <input id={`scoring-item-${item.id}`} type="checkbox" checked={scoring.items.includes(item.id)}
              onChange={(e) => set({ items: toggled(scoring.items, item.id, e.target.checked), reverse: e.target.checked ? scoring.reverse : scoring.reverse.filter((x) => x !== item.id) })} />
            <label htmlFor={`scoring-item-${item.id}`}>{t("builder.itemChoice", { number: numberOf(item), prompt: item.prompt || item.id })}</label>
          </div>
        ))}
      </fieldset>
      {chosen.length > 0 && (
        <fieldset>
          <legend>{t("builder.scoring.reverse")}</legend>
          {chosen.map((item) => (
            <div key={item.id} className="check">
              <input id={`scoring-reverse-${item.id}`} type="checkbox" checked={scoring.reverse.includes(item.id)}
                onChange={(e) => set({ reverse: toggled(scoring.reverse, item.id, e.target.checked) })} />
              <label htmlFor={`scoring-reverse-${item.id}`}>{t("builder.scoring.reverseItem", { number: numberOf(item) })}</label>
            </div>
          ))}
        </fieldset>
      )}
      <label htmlFor="scoring-method">{t("builder.scoring.method")}</label>
      <select id="scoring-method" value={scoring.method} onChange={(e) => set({ method: e.target.value as ScoringState["method"] })}>
        <option value="sum">{t("builder.scoring.methods.sum")}</option>
        <option value="mean">{t("builder.scoring.methods.mean")}</option>
      </select>
      <label htmlFor="scoring-multiplier">{t("builder.scoring.multiplier")}</label>
      <input id="scoring-multiplier" type="number" step="any" value={scoring.multiplier} onChange={(e) => set({ multiplier: e.target.value })} />
      <fieldset>
        <legend>{t("builder.scoring.bands")}</legend>
        {scoring.bands.map((band, b) => (
          <div key={b} className="band">
            <label htmlFor={`band-${b}-min`}>{t("builder.scoring.bandMin", { number: b + 1 })}</label>
            <input id={`band-${b}-min`} type="number" step="any" value={band.min} onChange={(e) => setBand(b, { min: e.target.value })} />
            <label htmlFor={`band-${b}-max`}>{t("builder.scoring.bandMax", { number: b + 1 })}</label>
            <input id={`band-${b}-max`} type="number" step="any" value={band.max} onChange={(e) => setBand(b, { max: e.target.value })} />
            <label htmlFor={`band-${b}-label`}>{t("builder.scoring.bandLabel", { number: b + 1 })}</label>
            <input id={`band-${b}-label`} value={band.label} onChange={(e) => setBand(b, { label: e.target.value })} />
            <button type="button" className="secondary" onClick={() => set({ bands: scoring.bands.filter((_, i) => i !== b) })}>
              {t("builder.scoring.removeBand", { number: b + 1 })}
            </button>
          </div>
        ))}
        <button type="button" onClick={addBand}>{t("builder.scoring.addBand")}</button>
      </fieldset>
      <label htmlFor="scoring-cutoff">{t("builder.scoring.cutoff")}</label>
      <input id="scoring-cutoff" type="number" step="any" value={scoring.cutoff} onChange={(e) => set({ cutoff: e.target.value })} />
    </>
  );
}

function RiskRules({ scoring, items, set }: { scoring: ScoringState; items: BuilderItem[]; set: (change: Partial<ScoringState>) => void }) {
  const { t } = useTranslation();
  const candidates = items.filter((item) => isAnswerable(item.type));
  const numberOf = (item: BuilderItem) => items.indexOf(item) + 1;
  const setRule = (r: number, change: Partial<RiskRule>) =>
    set({ riskRules: scoring.riskRules.map((rule, i) => (i === r ? { ...rule, ...change } : rule)) });
  const addRule = () => {
    const id = freshId("risk", scoring.riskRules.map((rule) => rule.id));
    set({ riskRules: [...scoring.riskRules, { id, condition: newCondition(candidates[candidates.length - 1]), message: "" }] });
  };
  return (
    <fieldset>
      <legend>{t("builder.scoring.riskRules")}</legend>
      {scoring.riskRules.map((rule, r) => {
        const number = r + 1;
        return (
          <div key={rule.id} className="risk-rule">
            <ConditionEditor idPrefix={`risk-${r}`} candidates={candidates} numberOf={numberOf} condition={rule.condition}
              onChange={(condition) => condition && setRule(r, { condition })}
              labels={{
                item: t("builder.scoring.ruleItem", { number }),
                operator: t("builder.scoring.ruleOperator", { number }),
                value: t("builder.scoring.ruleValue", { number }),
              }} />
            <label htmlFor={`risk-${r}-message`}>{t("builder.scoring.ruleMessage", { number })}</label>
            <input id={`risk-${r}-message`} required value={rule.message} onChange={(e) => setRule(r, { message: e.target.value })} />
            <button type="button" className="secondary" onClick={() => set({ riskRules: scoring.riskRules.filter((_, i) => i !== r) })}>
              {t("builder.scoring.removeRule", { number })}
            </button>
          </div>
        );
      })}
      <button type="button" disabled={candidates.length === 0} onClick={addRule}>{t("builder.scoring.addRule")}</button>
    </fieldset>
  );
}

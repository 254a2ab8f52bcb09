// Personalisation: inserts {{client.first_name}} and the like at the end of a text, picked by name.
import { useTranslation } from "react-i18next";
import { TOKENS } from "./builder";

export function TokenInsert({ id, field, onInsert }: { id: string; field: string; onInsert: (token: string) => void }) {
  const { t } = useTranslation();
  return (
    <span className="token-insert">
      <label htmlFor={id} className="visually-hidden">{t("builder.insertToken", { field })}</label>
      <select id={id} value="" onChange={(e) => e.target.value && onInsert(`{{${e.target.value}}}`)}>
        <option value="">{t("builder.personalise")}</option>
        {TOKENS.map((token) => <option key={token} value={token}>{t(`builder.tokens.${token.replace(".", "_")}`)}</option>)}
      </select>
    </span>
  );
}

/** Appends a token to a text with a space between. */
export function withToken(text: string, token: string): string {
  return text === "" || text.endsWith(" ") ? `${text}${token}` : `${text} ${token}`;
}

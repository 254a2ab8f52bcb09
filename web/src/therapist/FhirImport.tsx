// Import a FHIR R4 Questionnaire as a new draft, and show what could not be carried over.
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useSession } from "../auth";

interface Imported {
  activity: { activity_id: string; draft: { title: string } };
  unmapped: { link_id: string | null; problem: string }[];
}

export function FhirImport() {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [imported, setImported] = useState<Imported | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function readFile(file: File | undefined) {
    if (file) setText(await file.text());
  }

  async function onImport(event: FormEvent) {
    event.preventDefault();
    setImported(null);
    setFailure(null);
    let questionnaire: unknown;
    try {
      questionnaire = JSON.parse(text);
    } catch {
      setFailure(t("fhirImport.notJson"));
      return;
    }
    try {
      const result = await call<Imported>("/activities/fhir", { method: "POST", body: questionnaire });
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      setImported(result);
    } catch (error) {
      setFailure(t("failed", { detail: (error as Error).message }));
    }
  }

  return (
    <section aria-labelledby="fhir-import-heading">
      <h2 id="fhir-import-heading">{t("fhirImport.title")}</h2>
      <form onSubmit={onImport}>
        <label htmlFor="fhir-file">{t("fhirImport.file")}</label>
        <input id="fhir-file" type="file" accept=".json,application/json,application/fhir+json"
          onChange={(e) => void readFile(e.target.files?.[0])} />
        <label htmlFor="fhir-text">{t("fhirImport.text")}</label>
        <textarea id="fhir-text" rows={4} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" disabled={text.trim() === ""}>{t("fhirImport.submit")}</button>
      </form>
      {failure && <p role="alert" className="error">{failure}</p>}
      {imported && (
        <div role="status">
          <p>
            {t("fhirImport.done")}{" "}
            <Link to={`/activities/${imported.activity.activity_id}`}>{imported.activity.draft.title}</Link>
          </p>
          {imported.unmapped.length === 0 ? (
            <p>{t("fhirImport.allMapped")}</p>
          ) : (
            <>
              <p>{t("fhirImport.unmapped", { count: imported.unmapped.length })}</p>
              <ul>
                {imported.unmapped.map((entry, i) => (
                  <li key={i}>{entry.link_id ? <code>{entry.link_id}</code> : t("fhirImport.wholeQuestionnaire")}: {entry.problem}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}

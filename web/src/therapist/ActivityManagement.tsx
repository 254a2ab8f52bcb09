// An activity's published versions (each exportable as a FHIR Questionnaire), the draft's export,
// and archive / restore.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import type { Draft } from "./builder";
import { saveJson } from "./download";
import { formatDate } from "./queries";

export interface StoredActivity {
  activity_id: string;
  draft: Draft;
  latest_version: number | null;
  archived?: boolean;
}

interface VersionSummary {
  version: number;
  title: string;
  published_at: string;
}

const FHIR_JSON = "application/fhir+json";

export function ActivityManagement({ activityId, stored }: { activityId: string; stored: StoredActivity }) {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const versions = useQuery({
    queryKey: ["versions", activityId, token],
    queryFn: () => call<{ versions: VersionSummary[] }>(`/activities/${activityId}/versions`),
  });
  const archived = stored.archived === true;

  async function run(action: () => Promise<string>) {
    setOutcome(null);
    try {
      setOutcome({ ok: true, text: await action() });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  const exportFhir = (path: string, fileName: string) =>
    run(async () => {
      saveJson(await call<unknown>(path, { headers: { Accept: FHIR_JSON } }), fileName, FHIR_JSON);
      return t("versions.exported");
    });

  const setArchived = (archive: boolean) =>
    run(async () => {
      const changed = await call<StoredActivity>(`/activities/${activityId}/${archive ? "archive" : "restore"}`, { method: "POST" });
      queryClient.setQueryData(["activity", activityId, token], changed);
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      await queryClient.invalidateQueries({ queryKey: ["archived-activities"] });
      return archive ? t("versions.archivedDone") : t("versions.restoredDone");
    });

  return (
    <section aria-labelledby="versions-heading" className="versions">
      <h2 id="versions-heading">{t("versions.title")}</h2>
      {archived && <p>{t("versions.isArchived")}</p>}
      {versions.data && versions.data.versions.length === 0 && <p>{t("versions.none")}</p>}
      {versions.data && versions.data.versions.length > 0 && (
        <table>
          <caption className="visually-hidden">{t("versions.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("versions.version")}</th>
              <th scope="col">{t("builder.title")}</th>
              <th scope="col">{t("versions.publishedAt")}</th>
              <th scope="col">{t("versions.export")}</th>
            </tr>
          </thead>
          <tbody>
            {[...versions.data.versions].reverse().map((version) => (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>{version.title}</td>
                <td>{formatDate(version.published_at, i18n.language)}</td>
                <td>
                  <button type="button" className="secondary"
                    onClick={() => void exportFhir(`/activities/${activityId}/versions/${version.version}/fhir`, `questionnaire-${activityId}-v${version.version}.json`)}>
                    {t("versions.exportVersion", { version: version.version })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" className="secondary" onClick={() => void exportFhir(`/activities/${activityId}/fhir`, `questionnaire-${activityId}-draft.json`)}>
          {t("versions.exportDraft")}
        </button>{" "}
        {archived ? (
          <button type="button" onClick={() => void setArchived(false)}>{t("versions.restore")}</button>
        ) : (
          <button type="button" className="secondary" onClick={() => void setArchived(true)}>{t("versions.archive")}</button>
        )}
      </p>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
    </section>
  );
}

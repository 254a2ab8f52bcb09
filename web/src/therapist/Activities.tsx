// "Activities": the clinic's activities (drafts and published), "New activity", the archived ones
// with "Restore", a FHIR Questionnaire import, and the library with "Copy".
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { useSession } from "../auth";
import { ArchivedActivities } from "./ArchivedActivities";
import { FhirImport } from "./FhirImport";
import type { ActivitySummary } from "./types";

interface LibraryEntry {
  slug: string;
  title: string;
  summary: string;
  item_count: number;
}

export function Activities() {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);
  const activities = useQuery({
    queryKey: ["activities", token],
    queryFn: () => call<{ activities: ActivitySummary[] }>("/activities?limit=100"),
  });
  const library = useQuery({
    queryKey: ["library", token],
    queryFn: () => call<{ entries: LibraryEntry[] }>("/library"),
  });

  async function copy(slug: string) {
    setFailure(null);
    try {
      const activity = await call<{ activity_id: string }>(`/library/${slug}/copy`, { method: "POST" });
      navigate(`/activities/${activity.activity_id}`);
    } catch (error) {
      setFailure((error as Error).message);
    }
  }

  return (
    <main>
      <h1>{t("activities.title")}</h1>
      <p><Link to="/activities/new" className="button">{t("activities.new")}</Link></p>
      {(activities.data?.activities ?? []).length === 0 ? (
        <p>{t("activities.empty")}</p>
      ) : (
        <ul className="activities">
          {(activities.data?.activities ?? []).map((activity) => (
            <li key={activity.activity_id}>
              <Link to={`/activities/${activity.activity_id}`}>{activity.draft.title}</Link>{" "}
              <span>
                {activity.latest_version === null
                  ? t("activities.draftOnly")
                  : t("activities.published", { version: activity.latest_version })}
              </span>
            </li>
          ))}
        </ul>
      )}
      <FhirImport />
      <ArchivedActivities />
      <h2>{t("activities.library")}</h2>
      {failure && <p role="alert" className="error">{t("failed", { detail: failure })}</p>}
      <ul className="library">
        {(library.data?.entries ?? []).map((entry) => (
          <li key={entry.slug}>
            <strong>{entry.title}</strong> <span>{entry.summary}</span>{" "}
            <button type="button" aria-label={t("activities.copyNamed", { title: entry.title })} onClick={() => copy(entry.slug)}>
              {t("activities.copy")}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

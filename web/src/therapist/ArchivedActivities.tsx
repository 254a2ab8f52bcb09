// Archived activities: hidden from the list and from assigning, brought back with "Restore".
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useSession } from "../auth";
import type { ActivitySummary } from "./types";

export function ArchivedActivities() {
  const { t } = useTranslation();
  const { call, token } = useSession();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const archived = useQuery({
    queryKey: ["archived-activities", token],
    queryFn: () => call<{ activities: ActivitySummary[] }>("/activities/archived"),
  });

  async function restore(activity: ActivitySummary) {
    setOutcome(null);
    try {
      await call(`/activities/${activity.activity_id}/restore`, { method: "POST" });
      await queryClient.invalidateQueries({ queryKey: ["archived-activities"] });
      await queryClient.invalidateQueries({ queryKey: ["activities"] });
      await queryClient.invalidateQueries({ queryKey: ["activity", activity.activity_id] });
      setOutcome({ ok: true, text: t("versions.restoredNamed", { title: activity.draft.title }) });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  const list = archived.data?.activities ?? [];
  return (
    <section aria-labelledby="archived-heading">
      <h2 id="archived-heading">{t("activities.archived")}</h2>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
      {list.length === 0 ? (
        <p>{t("activities.noArchived")}</p>
      ) : (
        <ul className="activities">
          {list.map((activity) => (
            <li key={activity.activity_id}>
              <Link to={`/activities/${activity.activity_id}`}>{activity.draft.title}</Link>{" "}
              <button type="button" aria-label={t("activities.restoreNamed", { title: activity.draft.title })} onClick={() => void restore(activity)}>
                {t("versions.restore")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

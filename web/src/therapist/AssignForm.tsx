import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { ruleOf, WEEKDAYS, weekdayOf, type Repeat, type Weekday } from "./recurrence";
import type { ActivitySummary } from "./types";

const REPEATS: Repeat[] = ["once", "daily", "weekdays", "weekly"];

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function usePublishedActivities() {
  const { call, token } = useSession();
  return useQuery({
    queryKey: ["activities", token],
    queryFn: () => call<{ activities: ActivitySummary[] }>("/activities?limit=100"),
    select: (page) => page.activities.filter((a) => a.latest_version !== null && !a.archived),
  });
}

/** The reminders chosen in hours, as the API's rules; nothing (the clinic's defaults) when none is filled in. */
export function remindersOf(hoursAfterRelease: string, hoursBeforeDue: string): { reminders?: { anchor: string; offset_minutes: number }[] } {
  const rules = [
    ...(hoursAfterRelease ? [{ anchor: "release", offset_minutes: Number(hoursAfterRelease) * 60 }] : []),
    ...(hoursBeforeDue ? [{ anchor: "due", offset_minutes: -Number(hoursBeforeDue) * 60 }] : []),
  ];
  return rules.length ? { reminders: rules } : {};
}

/** "Assign activity": once with a due date, or on a repeating schedule in the client's time zone. */
export function AssignForm({ clientId, onAssigned }: { clientId: string; onAssigned: (message: string) => void }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const activities = usePublishedActivities();
  const [activityId, setActivityId] = useState("");
  const [due, setDue] = useState("");
  const [repeat, setRepeat] = useState<Repeat>("once");
  const [days, setDays] = useState<Weekday[]>([]);
  const [weeks, setWeeks] = useState(1);
  const [count, setCount] = useState("");
  const [until, setUntil] = useState("");
  const [dueAfterHours, setDueAfterHours] = useState(24);
  const [timeZone, setTimeZone] = useState(browserZone);
  const [release, setRelease] = useState("");
  const [remindAfterRelease, setRemindAfterRelease] = useState("");
  const [remindBeforeDue, setRemindBeforeDue] = useState("");
  const [failure, setFailure] = useState<string | null>(null);

  function toggleDay(day: Weekday, on: boolean) {
    setDays((current) => (on ? [...current, day] : current.filter((d) => d !== day)));
  }

  const reminders = remindersOf(remindAfterRelease, remindBeforeDue);

  async function assign(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    try {
      if (repeat === "once") {
        const body = {
          client_id: clientId,
          activity_id: activityId,
          due_at: due ? new Date(due).toISOString() : null,
          ...(release ? { release_at: new Date(release).toISOString() } : {}),
          ...reminders,
        };
        await call("/assignments", { method: "POST", body });
        onAssigned(t("assign.assigned"));
      } else {
        const weeklyDays = days.length > 0 ? days : [weekdayOf(due.slice(0, 10))];
        const rule = ruleOf({ repeat, days: weeklyDays, interval: weeks, count: count ? Number(count) : null, until: until || null });
        const body = {
          client_id: clientId,
          activity_id: activityId,
          rule,
          starts_at: due,
          time_zone: timeZone,
          due_after_hours: dueAfterHours,
          ...reminders,
        };
        await call("/recurrences", { method: "POST", body });
        onAssigned(t("assign.scheduled"));
      }
      await queryClient.invalidateQueries({ queryKey: ["client-assignments"] });
    } catch (error) {
      setFailure((error as Error).message);
    }
  }

  const zones = Array.from(new Set([timeZone, "UTC", ...(Intl.supportedValuesOf?.("timeZone") ?? [])]));
  return (
    <form onSubmit={assign} className="assign">
      <label htmlFor="assign-activity">{t("assign.activity")}</label>
      <select id="assign-activity" required value={activityId} onChange={(e) => setActivityId(e.target.value)}>
        <option value="">{t("assign.choose")}</option>
        {(activities.data ?? []).map((activity) => (
          <option key={activity.activity_id} value={activity.activity_id}>{activity.draft.title}</option>
        ))}
      </select>
      <label htmlFor="assign-repeat">{t("assign.repeat")}</label>
      <select id="assign-repeat" value={repeat} onChange={(e) => setRepeat(e.target.value as Repeat)}>
        {REPEATS.map((choice) => <option key={choice} value={choice}>{t(`assign.repeats.${choice}`)}</option>)}
      </select>
      <label htmlFor="assign-due">{repeat === "once" ? t("assign.due") : t("assign.firstOn")}</label>
      <input id="assign-due" type="datetime-local" value={due} required={repeat !== "once"} onChange={(e) => setDue(e.target.value)} />
      {repeat === "weekly" && (
        <>
          <fieldset>
            <legend>{t("assign.onDays")}</legend>
            {WEEKDAYS.map((day) => (
              <span key={day} className="choice">
                <input id={`day-${day}`} type="checkbox" checked={days.includes(day)} onChange={(e) => toggleDay(day, e.target.checked)} />
                <label htmlFor={`day-${day}`}>{t(`assign.days.${day}`)}</label>
              </span>
            ))}
          </fieldset>
          <label htmlFor="assign-interval">{t("assign.everyWeeks")}</label>
          <input id="assign-interval" type="number" min={1} max={52} value={weeks} onChange={(e) => setWeeks(Number(e.target.value) || 1)} />
        </>
      )}
      {repeat !== "once" && (
        <>
          <label htmlFor="assign-count">{t("assign.count")}</label>
          <input id="assign-count" type="number" min={1} max={365} value={count} onChange={(e) => setCount(e.target.value)} />
          <label htmlFor="assign-until">{t("assign.until")}</label>
          <input id="assign-until" type="date" value={until} disabled={count !== ""} onChange={(e) => setUntil(e.target.value)} />
          <label htmlFor="assign-due-after">{t("assign.dueAfterHours")}</label>
          <input id="assign-due-after" type="number" min={1} max={2160} value={dueAfterHours} onChange={(e) => setDueAfterHours(Number(e.target.value) || 24)} />
          <label htmlFor="assign-zone">{t("assign.timeZone")}</label>
          <select id="assign-zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
            {zones.map((zone) => <option key={zone} value={zone}>{zone}</option>)}
          </select>
        </>
      )}
      {repeat === "once" && (
        <>
          <label htmlFor="assign-release">{t("assign.release")}</label>
          <input id="assign-release" type="datetime-local" value={release} onChange={(e) => setRelease(e.target.value)} />
        </>
      )}
      <fieldset>
        <legend>{t("assign.reminders")}</legend>
        <p className="hint">{t("assign.remindersHint")}</p>
        <label htmlFor="assign-remind-after">{t("assign.remindAfterRelease")}</label>
        <input id="assign-remind-after" type="number" min={1} max={1440} value={remindAfterRelease} onChange={(e) => setRemindAfterRelease(e.target.value)} />
        <label htmlFor="assign-remind-before">{t("assign.remindBeforeDeadline")}</label>
        <input id="assign-remind-before" type="number" min={1} max={1440} value={remindBeforeDue} onChange={(e) => setRemindBeforeDue(e.target.value)} />
      </fieldset>
      {failure && <p role="alert" className="error">{t("failed", { detail: failure })}</p>}
      <button type="submit">{t("assign.submit")}</button>
    </form>
  );
}

// Plain schedule choices turned into the RFC 5545 rule POST /recurrences expects.

export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type Repeat = "once" | "daily" | "weekdays" | "weekly";

export interface Schedule {
  repeat: Repeat;
  /** For weekly: which days (at least one). */
  days: Weekday[];
  /** For weekly: every N weeks. */
  interval: number;
  /** How it ends: never, after a count of occurrences, or on a date (YYYY-MM-DD, inclusive). */
  count: number | null;
  until: string | null;
}

/** The rule for a repeating schedule; null for a single assignment. */
export function ruleOf(schedule: Schedule): string | null {
  const parts: string[] = [];
  if (schedule.repeat === "once") return null;
  if (schedule.repeat === "daily") parts.push("FREQ=DAILY");
  if (schedule.repeat === "weekdays") parts.push("FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR");
  if (schedule.repeat === "weekly") {
    parts.push("FREQ=WEEKLY");
    if (schedule.interval > 1) parts.push(`INTERVAL=${schedule.interval}`);
    const days = WEEKDAYS.filter((day) => schedule.days.includes(day));
    if (days.length > 0) parts.push(`BYDAY=${days.join(",")}`);
  }
  if (schedule.count) parts.push(`COUNT=${schedule.count}`);
  else if (schedule.until) parts.push(`UNTIL=${schedule.until.replace(/-/g, "")}T235959`);
  return parts.join(";");
}

/** The weekday of a local date (YYYY-MM-DD), as RFC 5545 names it. */
export function weekdayOf(date: string): Weekday {
  const [year, month, day] = date.split("-").map(Number);
  const sundayFirst = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return WEEKDAYS[(sundayFirst + 6) % 7];
}

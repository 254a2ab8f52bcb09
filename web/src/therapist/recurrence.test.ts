import { describe, expect, it } from "vitest";
import { ruleOf, weekdayOf, type Schedule } from "./recurrence";

const ONCE: Schedule = { repeat: "once", days: [], interval: 1, count: null, until: null };

describe("a schedule from plain choices", () => {
  it("is no rule when given once", () => {
    expect(ruleOf(ONCE)).toBeNull();
  });

  it("is a daily or weekday rule", () => {
    expect(ruleOf({ ...ONCE, repeat: "daily", count: 10 })).toBe("FREQ=DAILY;COUNT=10");
    expect(ruleOf({ ...ONCE, repeat: "weekdays" })).toBe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
  });

  it("is weekly on chosen days every N weeks, in weekday order, until a date", () => {
    const rule = ruleOf({ ...ONCE, repeat: "weekly", days: ["TH", "MO"], interval: 2, until: "2027-03-01" });
    expect(rule).toBe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270301T235959");
  });

  it("names the weekday of a date", () => {
    expect(weekdayOf("2026-12-03")).toBe("TH");
    expect(weekdayOf("2026-12-06")).toBe("SU");
  });
});
